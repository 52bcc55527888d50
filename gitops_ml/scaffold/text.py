"""Small helpers for writing YAML as text a person will read and edit.

Generated files are text templates: comments sit where a person edits, keys
keep the order a platform engineer expects. Nested data (resources, probes)
is dumped by ``yamlio.dump_plain`` and indented into place.
"""

from __future__ import annotations

import json
import re
from typing import Any

from gitops_ml.yamlio import dump_plain

_PLAIN = re.compile(r"^[A-Za-z_./][A-Za-z0-9_./@+:-]*\Z")
_SPECIAL = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def q(value: str) -> str:
    """A YAML scalar for ``value``: plain when unambiguous, else double-quoted."""
    if (
        _PLAIN.match(value)
        and value.lower() not in _SPECIAL
        and ": " not in value
        and not value.endswith(":")
    ):
        return value
    return json.dumps(value)


def block(data: Any, indent: int) -> str:
    """``data`` as block YAML, every line indented by ``indent`` spaces (no trailing newline)."""
    text = dump_plain([data]).rstrip("\n")
    pad = " " * indent
    return "\n".join(pad + line for line in text.splitlines())


def doc(*parts: str) -> str:
    """Join YAML documents with ``---`` separators, ending with one newline."""
    return "---\n".join(p.rstrip("\n") + "\n" for p in parts if p.strip())
