"""A Plan: the files a command will write, in order, as repository-relative paths."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import MappingProxyType

from gitops_ml.errors import UserError


@dataclass(frozen=True)
class Plan:
    """Ordered ``{repo-relative POSIX path: text}`` plus the commit message."""

    files: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    message: str = ""

    @staticmethod
    def of(files: Mapping[str, str], message: str) -> Plan:
        for path in files:
            check_relative(path)
        return Plan(files=MappingProxyType(dict(files)), message=message)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(self.files)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.files.items())

    def without(self, paths: set[str]) -> Plan:
        return Plan.of({p: t for p, t in self.files.items() if p not in paths}, self.message)


def check_relative(path: str) -> None:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in path:
        raise UserError(f"refusing to write {path!r}: not a path inside the repository")
