"""Values shared by every part of gitops-ml: severities, object keys, findings."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

# env vars that carry a model's location (MODEL_URI, STORAGE_URI, CHECKPOINT_PATH, ...):
# what promote copies between environments and what diff calls a model change
MODEL_URI_ENV = re.compile(r"(MODEL|STORAGE|CHECKPOINT).*(URI|URL|PATH|LOCATION)\Z", re.IGNORECASE)


class Severity(enum.IntEnum):
    """Ordered so that the exit code is a ``max()`` over findings."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, order=True)
class ObjectKey:
    """Identity of a Kubernetes object: what kubectl and the controllers key on."""

    api_version: str
    kind: str
    namespace: str | None
    name: str

    @classmethod
    def of(cls, obj: dict[str, Any]) -> ObjectKey:
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        return cls(
            api_version=str(obj.get("apiVersion") or ""),
            kind=str(obj.get("kind") or ""),
            namespace=str(meta["namespace"]) if meta.get("namespace") else None,
            name=str(meta.get("name") or ""),
        )

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    def __str__(self) -> str:
        return f"{self.kind}/{self.namespace or ''}/{self.name}"


@dataclass(frozen=True)
class Finding:
    """One problem, pointed at the line a person must edit.

    ``environment`` is the first (or only) environment it is found in;
    ``environments`` lists all of them when one place, a base shared by
    several overlays, gives it in each (see ``merge_environments``).
    """

    rule: str
    severity: Severity
    message: str
    file: str | None
    line: int | None = None
    column: int | None = None
    object: ObjectKey | None = None
    environment: str | None = None
    overlay: str | None = None
    hint: str = ""
    suppressed: str | None = field(default=None, compare=False)
    # the whole text when ``message`` is a shortened form of it (``lint --verbose``)
    detail: str = field(default="", compare=False)
    environments: tuple[str, ...] = ()

    @property
    def envs(self) -> tuple[str, ...]:
        """Every environment this finding is found in, ``environment`` first."""
        if self.environments:
            return self.environments
        return (self.environment,) if self.environment else ()

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.rule, self.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "object": str(self.object) if self.object else None,
            "environment": self.environment,
            "environments": list(self.envs),
            "overlay": self.overlay,
            "hint": self.hint,
        }


def _place(f: Finding) -> tuple[Any, ...]:
    # the object without its namespace: each overlay puts the base's object in its own
    obj = (f.object.api_version, f.object.kind, f.object.name) if f.object else None
    return (f.rule, f.severity, f.file, f.line, f.column, f.message, f.hint, obj, f.suppressed)


def merge_environments(findings: Iterable[Finding], order: Sequence[str] = ()) -> list[Finding]:
    """One finding per place: the same finding at the same line in several environments
    (a base their overlays share) becomes one, listing them in ``order``, the first
    environment's object and overlay kept. Findings of variant overlays (no environment)
    at one place become the first of them; one of no overlay stays as it is.
    """
    rank = {name: i for i, name in enumerate(order)}

    def key(env: str) -> tuple[int, str]:
        return (rank.get(env, len(rank)), env)

    groups: dict[tuple[Any, ...], list[Finding]] = {}
    out: list[Finding | tuple[Any, ...]] = []
    for f in findings:
        if f.environment is None and f.overlay is None:
            out.append(f)
            continue
        # variant overlays (no environment) that share a base give it once too
        place = (f.environment is None, *_place(f))
        if place not in groups:
            groups[place] = []
            out.append(place)
        groups[place].append(f)
    merged: list[Finding] = []
    for item in out:
        if isinstance(item, Finding):
            merged.append(item)
            continue
        group = sorted(groups[item], key=lambda f: key(f.environment or ""))
        envs = sorted({e for f in group for e in f.envs}, key=key)
        if not envs:
            merged.append(group[0])
            continue
        merged.append(replace(group[0], environment=envs[0], environments=tuple(envs)))
    return merged
