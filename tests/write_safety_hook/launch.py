"""Run the gitops-ml CLI with one failure injected at the N-th write into a folder.

A test helper: it never changes the package. It runs ``gitops_ml.cli.main`` in
this process after installing an audit hook (PEP 578) that sees every write
the command makes (files opened for writing, renames, removals, folders made,
chmod, and the git commands that write) plus a wrapper around ``os.fsync``.
Only writes under ``WRITE_SAFETY_ROOT`` count. At write number
``WRITE_SAFETY_AT`` it does ``WRITE_SAFETY_ACTION``:

* ``sigint``, ``sigterm``, ``sigkill``: send the signal to its own process
  group (start the process with ``start_new_session=True``), as a terminal's
  Ctrl-C or a CI runner's cancel does; git children get it too.
* ``raise``: the write fails with a ``RuntimeError`` (a bug mid-way).
* ``enospc``: the write fails with ``OSError(ENOSPC)``; at an ``fsync`` the
  temporary file is first cut to half its size, as a full disk leaves it.

With ``WRITE_SAFETY_AT=0`` nothing is injected; with ``WRITE_SAFETY_LOG``
set, every counted write is appended to that file as ``event<TAB>path``, so a
clean run tells the test how many points there are to interrupt.

Usage: ``python launch.py [gitops-ml arguments]``.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from typing import Any

ROOT = os.path.realpath(os.environ["WRITE_SAFETY_ROOT"])
AT = int(os.environ.get("WRITE_SAFETY_AT", "0"))
ACTION = os.environ.get("WRITE_SAFETY_ACTION", "raise")
LOG = os.environ.get("WRITE_SAFETY_LOG")
SIGNALS = {"sigint": signal.SIGINT, "sigterm": signal.SIGTERM, "sigkill": signal.SIGKILL}
GIT_WRITES = frozenset(
    {"init", "symbolic-ref", "hash-object", "add", "commit", "switch", "checkout", "update-index"}
)
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

_count = 0
_busy = False


def _inside(path: Any) -> str | None:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        return None
    path = os.path.abspath(path)
    real = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
    return real if real == ROOT or real.startswith(ROOT + os.sep) else None


def _git_subcommand(args: Any) -> str | None:
    if not isinstance(args, (list, tuple)) or not args:
        return None
    if os.path.basename(os.fsdecode(args[0])) != "git":
        return None
    rest = [os.fsdecode(a) for a in args[1:]]
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in ("-c", "-C") else rest[1:]
    return rest[0] if rest else None


def _target(event: str, args: tuple[Any, ...]) -> str | None:
    """The path inside ROOT that ``event`` writes, or None when it does not count."""
    if event == "open":
        path, mode, flags = args
        writes = (
            any(c in mode for c in "wax+") if isinstance(mode, str) else bool(flags & WRITE_FLAGS)
        )
        return _inside(path) if writes else None
    if event == "os.rename":
        return _inside(args[1]) or _inside(args[0])
    if event in ("os.remove", "os.mkdir", "os.rmdir", "os.chmod", "os.truncate"):
        return _inside(args[0])
    if event == "subprocess.Popen":
        sub = _git_subcommand(args[1])
        cwd = args[2] or os.getcwd()
        return f"git {sub}" if sub in GIT_WRITES and _inside(cwd) else None
    return None


def _fire(event: str, where: str) -> None:
    if ACTION in SIGNALS:
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpgrp(), SIGNALS[ACTION])
        else:
            os.kill(os.getpid(), SIGNALS[ACTION])
        return
    if ACTION == "enospc":
        raise OSError(errno.ENOSPC, "No space left on device (injected)", where)
    raise RuntimeError(f"injected failure at {event} {where}")


def _counted(event: str, where: str) -> None:
    global _count, _busy
    _count += 1
    if LOG:
        _busy = True
        try:
            with open(LOG, "a", encoding="utf-8") as log:
                log.write(f"{event}\t{where}\n")
        finally:
            _busy = False
    if _count == AT:
        _fire(event, where)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _busy:
        return
    where = _target(event, args)
    if where is not None:
        _counted(event, where)


_real_fsync = os.fsync


def _fsync(fd: Any) -> None:
    where = _inside(os.readlink(f"/proc/self/fd/{int(fd)}")) if not _busy else None
    if where is not None:
        if ACTION == "enospc" and _count + 1 == AT:
            os.ftruncate(fd, os.fstat(fd).st_size // 2)
        _counted("fsync", where)
    _real_fsync(fd)


def main() -> None:
    from gitops_ml.cli import main as cli

    os.fsync = _fsync
    sys.addaudithook(_audit)
    cli(sys.argv[1:], prog_name="gitops-ml")


if __name__ == "__main__":
    main()
