"""An on-disk cache of parsed kustomizations, outside the repository.

Discovery parses every kustomization of a repository to build the dependency
graph, even when a pre-commit run lints one file; on a 100-model repository
that parsing is most of the run. The cache maps a file's repository-relative
path and the SHA-256 of its bytes to the parsed mapping, so a hit is exactly
as good as a parse and a changed file is simply parsed again.

It lives in ``$GITOPS_ML_CACHE_DIR``, else ``$XDG_CACHE_HOME/gitops-ml``, else
``~/.cache/gitops-ml``: one JSON file per repository root.
``GITOPS_ML_CACHE_DIR=off`` disables it. A file that does not parse, has the
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

ENV = "GITOPS_ML_CACHE_DIR"
VERSION = 1


def cache_dir() -> Path | None:
    configured = os.environ.get(ENV)
    if configured:
        return None if configured.lower() in ("off", "0", "false", "no") else Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "gitops-ml"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ParseCache:
    """Parsed kustomizations of one repository, keyed by path and content hash."""

    def __init__(self, root: Path) -> None:
        folder = cache_dir()
        key = hashlib.sha256(str(root).encode()).hexdigest()[:20]
        self.path = folder / f"kustomizations-{key}.json" if folder else None
        self._entries: dict[str, Any] = {}
        self._used: set[str] = set()
        self._dirty = False
        if self.path is not None:
            self._entries = self._read(self.path)

    @staticmethod
    def _read(path: Path) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return {}
        entries = data.get("entries")
        if not isinstance(entries, dict):
            return {}
        return {
            k: v
            for k, v in entries.items()
            if isinstance(v, dict)
            and isinstance(v.get("sha"), str)
            and isinstance(v.get("data"), dict)
        }

    def get(self, rel: str, sha: str) -> tuple[dict[str, Any], tuple[int, ...]] | None:
        entry = self._entries.get(rel)
        if entry is None or entry["sha"] != sha:
            return None
        tabs = entry.get("tabs") or []
        if not all(isinstance(t, int) for t in tabs):
            return None
        self._used.add(rel)
        return entry["data"], tuple(tabs)

    def put(self, rel: str, sha: str, data: dict[str, Any], tabs: tuple[int, ...]) -> None:
        try:
            # only what survives JSON unchanged (no dates, no non-string keys) is cached
            if json.loads(json.dumps(data)) != data:
                return
        except (TypeError, ValueError):
            return
        self._entries[rel] = {"sha": sha, "data": data, "tabs": list(tabs)}
        self._used.add(rel)
        self._dirty = True

    def save(self) -> None:
        if self.path is None:
            return
        stale = set(self._entries) - self._used
        if not self._dirty and not stale:
            return
        entries = {k: v for k, v in self._entries.items() if k in self._used}
        payload = json.dumps({"version": VERSION, "entries": entries}, separators=(",", ":"))
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".kustomizations-", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(payload)
                os.replace(tmp, self.path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
