"""Paths that the input names, confined to the folder they must stay in.

A repository (or a CRD file) is untrusted: a DAG names the manifest that
``airflow sync`` writes, a kustomization names the patch that ``promote``
edits, a CRD's group and kind name the file that ``schemas import`` writes, a
plan names the files ``init`` and ``new-model`` write. ``confined`` is the one
check all of them make before they read or write such a path: it must be
relative, must not lead out with ``..``, and must not pass through a symbolic
link or a file on the way (the folder named ``root`` itself is the caller's
choice and may be a link). Lexical checks alone are not enough (a link inside
the folder can point anywhere) and ``resolve()`` alone is not either (it
accepts a link that happens to point back inside, which a later change of the
link turns into a write outside), so both are made.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePath, PurePosixPath

from gitops_ml.errors import UserError


def under(path: PurePath, folder: PurePath) -> bool:
    r"""Whether ``path`` is ``folder`` or lies below it, compared by name (no file is read).

    The folder itself counts: a lint of ``models/fraud`` includes the kustomization
    in ``models/fraud``. Both paths must be of one kind (absolute, or relative to
    one root); for repository-relative POSIX strings pass ``PurePosixPath``\s.
    """
    return path.is_relative_to(folder)


class PathRefused(UserError):
    """A path named by the input leaves the folder it must stay in."""


def confined(root: Path, rel: str, *, what: str = "", allow_link: bool = False) -> Path:
    """``root / rel`` when it stays inside ``root``; otherwise a PathRefused.

    ``rel`` is a POSIX path relative to ``root``. Every existing part on the way
    must be a real folder (not a link, not a file); the last part must not be a
    symbolic link unless ``allow_link``. ``what`` names the path in the one
    sentence of the refusal (default: ``rel`` itself).
    """
    label = what or repr(rel)
    if not isinstance(rel, str) or not rel.strip():
        raise PathRefused(f"{label} is not a path")
    if "\0" in rel:
        raise PathRefused(f"{label} holds a NUL character")
    if PurePosixPath(rel).is_absolute() or Path(rel).is_absolute():
        raise PathRefused(f"{label} is an absolute path; it must be relative to {root}")
    parts: list[str] = []
    for part in PurePosixPath(rel).parts:
        if part == "..":
            if not parts:
                raise PathRefused(f"{label} leads out of {root} with '..'")
            parts.pop()
        elif part != ".":
            parts.append(part)
    if not parts:
        raise PathRefused(f"{label} names {root} itself, not a file in it")
    base = root.absolute()
    current = base
    for index, part in enumerate(parts):
        current = current / part
        try:
            mode = current.lstat().st_mode
        except FileNotFoundError:
            break  # nothing below a missing folder exists either
        except OSError as exc:
            raise PathRefused(f"{label} cannot be checked: {exc.strerror or exc}") from None
        last = index == len(parts) - 1
        if stat.S_ISLNK(mode) and not (last and allow_link):
            shown = "/".join(parts[: index + 1])
            raise PathRefused(f"{label} passes through the symbolic link {shown}")
        if not last and not stat.S_ISDIR(mode):
            shown = "/".join(parts[: index + 1])
            raise PathRefused(f"{label} passes through {shown}, which is not a folder")
    path = base.joinpath(*parts)
    if not Path(os.path.normpath(path)).is_relative_to(base):  # pragma: no cover - lexical above
        raise PathRefused(f"{label} leads out of {root}")
    return path


def inside(root: Path, rel: str) -> bool:
    """Whether ``confined(root, rel)`` accepts ``rel``."""
    try:
        confined(root, rel)
    except PathRefused:
        return False
    return True


def relative_to(root: Path, path: Path) -> str | None:
    """``path`` as a POSIX path relative to ``root``, or None when it is not under it."""
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return None
