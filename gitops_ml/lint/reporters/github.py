"""GitHub Actions workflow commands: one annotation per finding.

``::error file=F,line=L,col=C,title=RULE::message``; data is escaped as the
Actions toolkit does (``%``, CR, LF), properties also ``:`` and ``,``.
Info findings are ``::notice``. A plain summary line ends the output.
"""

from __future__ import annotations

from gitops_ml.findings import Finding, Severity
from gitops_ml.lint.engine import LintResult

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    props: list[tuple[str, str]] = []
    if f.file is not None:
        props.append(("file", f.file))
        if f.line is not None:
            props.append(("line", str(f.line)))
            if f.column is not None:
                props.append(("col", str(f.column)))
    props.append(("title", f"gitops-ml {f.rule}"))
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    message = f.message
    if f.envs:
        message += f" (env {','.join(f.envs)})"
    if f.hint:
        message += f"\n{f.hint}"
    return f"::{_COMMANDS[f.severity]} {joined}::{escape_data(message)}"


def render(result: LintResult, color: bool = False) -> str:
    lines = [annotation(f) for f in result.findings]
    counts = result.counts()
    lines.append(
        f"gitops-ml: {counts['error']} error(s), {counts['warning']} warning(s), "
        f"{counts['info']} info; {len(result.suppressed)} suppressed"
    )
    return "\n".join(lines) + "\n"
