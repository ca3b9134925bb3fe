"""Reading and writing files so that nothing is lost and nothing unbounded is read.

Writes go to what a path means: through a symlink to its target, all of the new text or
the old file untouched, with the old file's mode and owner. What a rename would silently
change is refused instead (docs/security.md): a FIFO, device or folder, a read-only file,
a file with more than one hard link, a file owned by someone else, and a file that
changed since it was read. Reads take only regular files, so a device or a FIFO is never
read without end or waited on.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


class CannotWrite(OSError):
    """A write refused or failed; `strerror` says why in the user's words."""


class NotARegularFile(OSError):
    """A path to read names a device, FIFO, folder or socket, not a file."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def open_regular(path: str | os.PathLike[str]) -> int:
    """A descriptor open for reading on the regular file at `path`; NotARegularFile for
    anything else. Opened without blocking, so a FIFO is refused rather than waited on."""
    name = os.fspath(path)
    handle = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(errno.EINVAL, f"not a regular file ({_kind(mode)}); cquin "
                                  "reads only regular files", name)
        os.set_blocking(handle, True)
    except BaseException:
        os.close(handle)
        raise
    return handle


def read_bounded(path: str | os.PathLike[str], most: int) -> bytes:
    """At most `most` + 1 bytes of the regular file at `path` (one more than allowed, so
    the caller can tell a file that is too large). OSError propagates."""
    with os.fdopen(open_regular(path), "rb") as stream:
        return stream.read(most + 1)


def write_atomically(
    path: str | os.PathLike[str], text: str | bytes, *, unchanged: bytes | None = None
) -> None:
    """Write `text` (or bytes, such as a workbook) to a temporary file beside the file
    `path` names, then rename it over that file.

    A crash or a full disk leaves the old file whole; the new file keeps the old one's
    mode and owner, or gets the usual mode for a new file (mkstemp's own is owner-only).
    With `unchanged`, the file must still hold those bytes just before the rename (a file
    edited meanwhile is left as it is). Every failure is CannotWrite naming the path.
    """
    shown = os.fspath(path)
    target = Path(os.path.realpath(shown))
    try:
        _write(target, shown, text, unchanged)
    except CannotWrite:
        raise
    except OSError as error:
        raise CannotWrite(error.errno or errno.EIO, error.strerror or str(error),
                          shown) from error


def _refuse(path: str, reason: str) -> CannotWrite:
    return CannotWrite(errno.EPERM, reason, path)


def _write(target: Path, shown: str, text: str | bytes, unchanged: bytes | None) -> None:
    try:
        old: os.stat_result | None = target.stat()
    except FileNotFoundError:
        old = None
    if old is not None:
        if not stat.S_ISREG(old.st_mode):
            raise _refuse(shown, f"not a regular file ({_kind(old.st_mode)}); cquin writes "
                          "only to regular files")
        if not old.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise _refuse(shown, "the file is read-only; make it writable first, or write "
                          "to another file")
        if old.st_nlink > 1:
            raise _refuse(shown, f"the file has {old.st_nlink} hard links, and replacing it "
                          "would leave the other names with the old text; write to another "
                          "file")
        mode = stat.S_IMODE(old.st_mode)
    else:
        mask = os.umask(0)
        os.umask(mask)
        mode = 0o666 & ~mask
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        if isinstance(text, bytes):
            with os.fdopen(handle, "wb") as binary:
                binary.write(text)
                binary.flush()
                os.fsync(binary.fileno())
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if old is not None:
            _keep_owner(temporary, old, shown)
        if unchanged is not None and _current(target, len(unchanged)) != unchanged:
            raise _refuse(shown, "the file changed since it was read (it is being edited?); "
                          "it was left as it is: run the command again")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _keep_owner(temporary: str, old: os.stat_result, shown: str) -> None:
    new = os.stat(temporary)
    if (new.st_uid, new.st_gid) == (old.st_uid, old.st_gid):
        return
    try:
        os.chown(temporary, old.st_uid, old.st_gid)
    except PermissionError:
        raise _refuse(shown, "the file belongs to another user or group, and replacing it "
                      "would change its owner; write to another file") from None


def _current(target: Path, size: int) -> bytes | None:
    try:
        return read_bounded(target, size)
    except OSError:
        return None
