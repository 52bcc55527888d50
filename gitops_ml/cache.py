"""On-disk caches outside the repository: parsed kustomizations, rendered overlays.

* ``ParseCache``: discovery parses every kustomization of a repository to
  build the dependency graph, even when a pre-commit run lints one file; on a
  100-model repository that parsing is most of the run. It maps a file's
  repository-relative path and the SHA-256 of its bytes to the parsed mapping.
* ``RenderCache``: what kustomize built for a leaf, keyed by the SHA-256 of
  every file the build reads (the kustomizations of its closure and all the
  files they name), the engine and its version. A repeated run renders only the
  overlays whose inputs changed.

A hit is exactly as good as the work it saves: keys are content hashes.

It lives in ``$GITOPS_ML_CACHE_DIR``, else ``$XDG_CACHE_HOME/gitops-ml``, else
``~/.cache/gitops-ml``: one JSON file per repository root.
``GITOPS_ML_CACHE_DIR=off`` disables it. Tracebacks of internal errors go to
its ``crash/`` folder. A file that does not parse, has the
wrong shape or version, or cannot be written is ignored and rebuilt: the cache
is never trusted over the files, and never fails a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from gitops_ml.errors import UserError
from gitops_ml.yamlio import atomic_write

ENV = "GITOPS_ML_CACHE_DIR"
VERSION = 1


def cache_dir() -> Path | None:
    configured = os.environ.get(ENV)
    if configured:
        return None if _off(configured) else Path(configured)
    return _default_dir()


def _off(value: str) -> bool:
    return value.lower() in ("off", "0", "false", "no")


def _default_dir() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "gitops-ml"


def crash_report(text: str) -> Path:
    """Write an internal error's traceback under the cache folder; return its path.

    With the cache turned off the report still goes to the default cache folder:
    a report is asked for by a person, not reused by a run. When no folder can be
    created there, the system's temporary folder takes it.
    """
    folder = (cache_dir() or _default_dir()) / "crash"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="gitops-ml-crash-", suffix=".txt", dir=folder)
    except OSError:
        fd, name = tempfile.mkstemp(prefix="gitops-ml-crash-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(name)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _JsonStore:
    """One JSON file of ``{"version", "entries": {name: entry}}``; unreadable means empty."""

    kind = ""

    def __init__(self, root: Path) -> None:
        folder = cache_dir()
        key = hashlib.sha256(str(root).encode()).hexdigest()[:20]
        self.path = folder / f"{self.kind}-{key}.json" if folder else None
        self._entries: dict[str, Any] = {}
        self._used: set[str] = set()
        self._dirty = False
        if self.path is not None:
            self._entries = {k: v for k, v in self._read(self.path).items() if self.valid(v)}

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def valid(self, entry: Any) -> bool:
        return isinstance(entry, dict) and isinstance(entry.get("sha"), str)

    def _get(self, name: str, sha: str) -> dict[str, Any] | None:
        entry = self._entries.get(name)
        if entry is None or entry["sha"] != sha:
            return None
        self._used.add(name)
        return entry  # type: ignore[no-any-return]

    def _put(self, name: str, entry: dict[str, Any]) -> None:
        self._entries[name] = entry
        self._used.add(name)
        self._dirty = True

    def save(self, prune: bool = True) -> None:
        """Write what changed; ``prune`` drops entries this run did not use."""
        if self.path is None:
            return
        stale = set(self._entries) - self._used if prune else set()
        if not self._dirty and not stale:
            return
        entries = {k: v for k, v in self._entries.items() if k not in stale}
        payload = json.dumps({"version": VERSION, "entries": entries}, separators=(",", ":"))
        with contextlib.suppress(UserError):  # a cache that cannot be written is no cache
            atomic_write(self.path, payload)


class ParseCache(_JsonStore):
    """Parsed kustomizations of one repository, keyed by path and content hash."""

    kind = "kustomizations"

    def valid(self, entry: Any) -> bool:
        return super().valid(entry) and isinstance(entry.get("data"), dict)

    def get(self, rel: str, sha: str) -> tuple[dict[str, Any], tuple[int, ...]] | None:
        entry = self._get(rel, sha)
        if entry is None:
            return None
        tabs = entry.get("tabs") or []
        if not all(isinstance(t, int) for t in tabs):
            return None
        return entry["data"], tuple(tabs)

    def put(self, rel: str, sha: str, data: dict[str, Any], tabs: tuple[int, ...]) -> None:
        try:
            # only what survives JSON unchanged (no dates, no non-string keys) is cached
            if json.loads(json.dumps(data)) != data:
                return
        except (TypeError, ValueError):
            return
        self._put(rel, {"sha": sha, "data": data, "tabs": list(tabs)})


class RenderCache(_JsonStore):
    """kustomize's output per leaf, keyed by the hash of everything the build reads."""

    kind = "renders"

    def valid(self, entry: Any) -> bool:
        if not super().valid(entry):
            return False
        objects, error = entry.get("objects"), entry.get("error")
        return (isinstance(objects, list) and all(isinstance(o, dict) for o in objects)) and (
            error is None or isinstance(error, str)
        )

    def get(self, leaf: str, sha: str) -> tuple[list[dict[str, Any]], str | None] | None:
        entry = self._get(leaf, sha)
        return None if entry is None else (entry["objects"], entry["error"])

    def put(self, leaf: str, sha: str, objects: list[dict[str, Any]], error: str | None) -> None:
        self._put(leaf, {"sha": sha, "objects": objects, "error": error})
