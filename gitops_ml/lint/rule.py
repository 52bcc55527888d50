"""What a rule is: data plus a pure ``check`` function.

A rule never decides its final severity or whether it is suppressed; the engine
stamps both from the configuration. A rule yields ``Violation`` values that say
what is wrong and where inside its subject; the engine turns each into a
``Finding`` pointed at a file and line.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitops_ml.model import Severity

if TYPE_CHECKING:
    from gitops_ml.lint.context import LintContext, RenderedObject, RenderedOverlay

JsonPath = tuple[str | int, ...]


class Scope(enum.Enum):
    """What a rule's ``check`` receives as its subject."""

    SOURCE = "source"  # a SourceFile: one YAML file as written
    OBJECT = "object"  # a RenderedObject: one object as kustomize renders it
    OVERLAY = "overlay"  # a RenderedOverlay: every object of one leaf kustomization
    REPOSITORY = "repository"  # the LintContext itself: across overlays and models


@dataclass(frozen=True)
class Violation:
    """What a rule reports; the engine adds severity, location and suppressions.

    ``path`` is a JSON path inside ``obj`` (or inside the subject object for
    OBJECT rules). An explicit ``file``/``line`` wins over the path.
    ``severity`` lets a rule pick a level that depends on the input (an error in
    prod, a warning in dev); otherwise the rule's default is used.
    """

    message: str
    path: JsonPath = ()
    obj: RenderedObject | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None
    severity: Severity | None = None
    overlay: RenderedOverlay | None = None
    environment: str | None = None  # for findings with no object or overlay to say it


Check = Callable[["LintContext", Any, Mapping[str, Any]], Iterator[Violation]]


@dataclass(frozen=True)
class Rule:
    """A rule's metadata and its check; ``doc`` is the rule module's docstring."""

    id: str
    scope: Scope
    severity: Severity
    summary: str
    remediation: str
    check: Check
    doc: str
    kinds: frozenset[str] = frozenset()
    options: Mapping[str, Any] = field(default_factory=dict)

    def applies_to_kind(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds
