"""Values shared by every part of gitops-ml: severities, object keys, findings."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any

# env vars that carry a model's location (MODEL_URI, STORAGE_URI, CHECKPOINT_PATH, ...):
# what promote copies between environments and what diff calls a model change
MODEL_URI_ENV = re.compile(r"(MODEL|STORAGE|CHECKPOINT).*(URI|URL|PATH|LOCATION)$", re.IGNORECASE)


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
    """One problem, pointed at the line a person must edit."""

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
            "overlay": self.overlay,
            "hint": self.hint,
        }
