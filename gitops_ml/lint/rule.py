"""What a rule is: data plus a pure ``check`` function.

A rule never decides its final severity or whether it is suppressed; the engine
stamps both from the configuration. A rule yields ``Violation`` values that say
what is wrong and where inside its subject; the engine turns each into a
``Finding`` pointed at a file and line.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gitops_ml.findings import Severity

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
    detail: str = ""  # the whole text when the message is a short form of it
    every_source: bool = False  # report ``path`` in every source file that writes it


class OptionType(enum.Enum):
    """The type of a rule option's value, as written in ``gitops-ml.yaml``."""

    STRING = "string"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    STRINGS = "list of strings"

    def accepts(self, value: Any) -> bool:
        if self is OptionType.STRING:
            return isinstance(value, str)
        if self is OptionType.BOOLEAN:
            return isinstance(value, bool)
        if self is OptionType.INTEGER:
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, (list, tuple)) and all(isinstance(x, str) for x in value)

    @property
    def article(self) -> str:
        """The type with its article, for a sentence: "an integer", "a list of strings"."""
        return f"{'an' if self.value[0] in 'aeiou' else 'a'} {self.value}"


@dataclass(frozen=True)
class Option:
    """One setting of a rule: its name in ``options:``, type, default and a one-line doc.

    The default of a list option is a tuple, so that no run can change it.
    """

    name: str
    type: OptionType
    default: Any
    doc: str

    def __post_init__(self) -> None:
        if not self.type.accepts(self.default):
            raise TypeError(
                f"option {self.name}: default {self.default!r} is not {self.type.article}"
            )

    def describe_default(self) -> str:
        if self.type is OptionType.STRINGS:
            return ", ".join(f"`{x}`" for x in self.default) or "empty"
        if self.type is OptionType.BOOLEAN:
            return f"`{str(self.default).lower()}`"
        return f"`{self.default}`"


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
    options: tuple[Option, ...] = ()

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def resolve_options(self, configured: Mapping[str, Any]) -> dict[str, Any]:
        """What ``check`` receives: every declared option, the configured value or its default.

        The configuration was checked against the declarations when it was loaded.
        """
        return {o.name: configured.get(o.name, o.default) for o in self.options}

    def applies_to_kind(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds
