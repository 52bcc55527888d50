"""The project's own exception types.

``UserError`` is a problem with what the user asked for or gave us (a missing
path, an invalid configuration, a refused write): the CLI prints its message as
one sentence and exits 2. Anything else that escapes is a bug: exit 3.
"""

from __future__ import annotations


class GitopsMlError(Exception):
    """Base class of every error gitops-ml raises on purpose."""


class UserError(GitopsMlError):
    """Bad input or a refused request; the message is one sentence for a person."""


class GateRefused(UserError):
    """A promotion gate refused: not bad input, a policy answer (exit 1)."""

    exit_code = 1


class ConfigError(UserError):
    """``gitops-ml.yaml`` is unreadable or does not match its schema."""


class YamlError(GitopsMlError):
    """A YAML text could not be read; carries the 1-based position when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
