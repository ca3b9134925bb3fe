"""pygls' server and protocol, made quiet (no traceback reaches the client) and able to
take over a session `front` began: the answers front already gave are not given twice.

Its own module because defining these classes imports pygls and lsprotocol (about 0.4 s),
which the first diagnostics do not wait for.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol.types import ResponseError
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from ..jsonrpc import one_line


class QuietProtocol(LanguageServerProtocol):
    """pygls' protocol, but an error reply never carries a traceback (only its first
    line), and a request `front` already answered is not answered again."""

    #: Ids of requests front answered; pygls handles them again, silently.
    muted: set[Any]

    def _send_response(self, msg_id: Any, result: Any | None = None,
                       error: ResponseError | None = None) -> None:
        muted: set[Any] = getattr(self, "muted", set())
        if msg_id in muted:
            muted.discard(msg_id)
            if error is not None:
                logging.getLogger("cquin").error("%s", one_line(error.message))
            return
        if error is not None:
            error = ResponseError(code=error.code, message=one_line(error.message))
        super()._send_response(msg_id, result, error)

    def send_json(self, method: str, params: dict[str, Any]) -> None:
        """A notification whose parameters are already plain JSON (see `wire`)."""
        self._send_data({"jsonrpc": "2.0", "method": method, "params": params})


class QuietServer(LanguageServer):
    """pygls' server, but an error outside a request is one line in the log, not a
    message box in the editor for each malformed message."""

    def report_server_error(self, error: Exception, source: Any) -> None:
        logging.getLogger("cquin").error("%s", error)
