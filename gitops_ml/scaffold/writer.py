"""Writing a Plan into a repository: only new files, atomically, never outside it.

Each file goes through a temporary name and a rename
(``yamlio.atomic_write``). A path whose existing parent is a symbolic link,
or that already exists, is refused before anything is written. If a write
fails part way (an exception, Ctrl-C, SIGTERM), the files this call created
are removed again and those it overwrote get their old content back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from gitops_ml.errors import UserError
from gitops_ml.paths import PathRefused, confined
from gitops_ml.scaffold.plan import Plan
from gitops_ml.yamlio import atomic_write, sigterm_unwinds

T = TypeVar("T")


def target(root: Path, rel: str) -> Path:
    """``root / rel``, refusing a path that leaves ``root`` or passes through a link."""
    try:
        return confined(root.resolve(), rel)
    except PathRefused as exc:
        raise UserError(f"refusing to write {rel}: {exc}") from None


def existing(root: Path, plan: Plan) -> list[str]:
    return [rel for rel, _ in plan if (root / rel).exists() or (root / rel).is_symlink()]


def check_plan(root: Path, plan: Plan, overwrite: bool = False) -> list[tuple[str, Path, str]]:
    """What ``write_plan`` refuses, checked without writing: call it before any other
    change (a branch switch) so that a refusal changes nothing."""
    targets = [(rel, target(root, rel), text) for rel, text in plan]
    if not overwrite:
        present = existing(root, plan)
        if present:
            more = f" and {len(present) - 1} more" if len(present) > 1 else ""
            raise UserError(f"{present[0]}{more} already exists; nothing was written")
    return targets


def write_plan(
    root: Path,
    plan: Plan,
    overwrite: bool = False,
    then: Callable[[tuple[str, ...]], T] | None = None,
) -> tuple[tuple[str, ...], T | None]:
    """Write every file of ``plan`` under ``root``, then call ``then`` with the paths.

    If a write or ``then`` (the commit) fails, every file written is put back as
    it was before the error propagates. Returns the paths and what ``then`` returned.
    """
    targets = check_plan(root, plan, overwrite)
    created_files: list[Path] = []
    created_dirs: list[Path] = []
    replaced: list[tuple[Path, bytes]] = []
    written: list[str] = []
    with sigterm_unwinds():
        try:
            for rel, path, text in targets:
                for parent in reversed(path.parents):
                    if not parent.exists():
                        parent.mkdir()
                        created_dirs.append(parent)
                old = path.read_bytes() if path.exists() else None
                atomic_write(path, text)
                if old is None:
                    created_files.append(path)
                else:
                    replaced.append((path, old))
                written.append(rel)
            result = then(tuple(written)) if then is not None else None
        except BaseException:
            _undo(created_files, created_dirs, replaced)
            raise
    return tuple(written), result


def _undo(files: list[Path], dirs: list[Path], replaced: list[tuple[Path, bytes]]) -> None:
    for path, old in reversed(replaced):
        with contextlib.suppress(UserError):
            atomic_write(path, old)
    for path in reversed(files):
        with contextlib.suppress(OSError):
            path.unlink()
    for folder in reversed(dirs):
        with contextlib.suppress(OSError):
            folder.rmdir()
