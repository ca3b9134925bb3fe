// Starts `cquin lsp` (the CQUIN language server, LSP over stdio) for .cquin files.
// Highlighting comes from syntaxes/cquin.tmLanguage.json and works without the server.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function command() {
  const configured = vscode.workspace.getConfiguration("cquin").get("path");
  return typeof configured === "string" && configured.trim() ? configured.trim() : "cquin";
}

async function start() {
  const executable = command();
  const run = { command: executable, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "cquin",
    "CQUIN",
    { run, debug: run },
    {
      documentSelector: [
        { scheme: "file", language: "cquin" },
        { scheme: "untitled", language: "cquin" },
      ],
    },
  );
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    const choice = await vscode.window.showErrorMessage(
      `Could not start the CQUIN language server with "${executable} lsp": ${error.message || error}. ` +
        "Install cquin-rules, or set \"cquin.path\" to the cquin command.",
      "Open settings",
    );
    if (choice === "Open settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "cquin.path");
    }
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = undefined;
    await running.stop();
  }
}

async function restart() {
  await stop();
  await start();
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("cquin.restartServer", restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("cquin.path")) {
        restart();
      }
    }),
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
