"""Text for a terminal: findings grouped by file, each with its hint, then one summary line."""

from __future__ import annotations

from itertools import groupby

from gitops_ml.findings import Finding, Severity
from gitops_ml.lint.engine import LintResult

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def _line(f: Finding, color: bool) -> str:
    where = f.file or "(repository)"
    if f.line is not None:
        where += f":{f.line}"
        if f.column is not None:
            where += f":{f.column}"
    severity = _paint(str(f.severity), _COLORS[f.severity], color)
    context = []
    if f.object is not None:
        context.append(str(f.object))
    if f.envs:
        context.append(f"env={','.join(f.envs)}")
    suffix = f" [{', '.join(context)}]" if context else ""
    return f"{where}: {severity} {f.rule} {f.message}{suffix}"


def render(result: LintResult, color: bool = False) -> str:
    out: list[str] = []
    for file, group in groupby(result.findings, key=lambda f: f.file or ""):
        out.append(_paint(file or "(repository)", "1", color))
        for f in group:
            out.append("  " + _line(f, color))
            if f.hint:
                out.append(_paint(f"    hint: {f.hint}", "2", color))
    counts = result.counts()
    summary = (
        f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info"
        f"; {len(result.suppressed)} suppressed"
        f"; {result.overlays} overlay(s), {result.objects} object(s)"
        f" in {result.elapsed:.2f}s"
    )
    if result.engine:
        summary += f" (kustomize: {result.engine}, Kubernetes {result.kubernetes_version})"
    out.append(summary)
    return "\n".join(out) + "\n"
