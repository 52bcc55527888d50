"""Markdown for a pull-request comment: counts per environment, then findings.

A table of counts per environment (a finding counts in every environment it
is found in), then the findings in collapsible ``<details>`` blocks, one per
list of environments: a finding in a base that dev, staging and prod share
is listed once, under "dev, staging, prod". GitHub rejects comments over 65,536
characters; past ``LIMIT`` the findings are cut and the comment says how
many were left out.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable

from gitops_ml.findings import Finding, Severity
from gitops_ml.lint.engine import LintResult

LIMIT = 60_000
NO_ENV = "(no environment)"
_ICONS = {
    Severity.ERROR: ":x:",
    Severity.WARNING: ":warning:",
    Severity.INFO: ":information_source:",
}


def _cell(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def _where(f: Finding) -> str:
    where = f.file or "(repository)"
    if f.line is not None:
        where += f":{f.line}"
    return f"`{where}`"


def _row(f: Finding) -> str:
    obj = f" `{f.object}`" if f.object else ""
    return (
        f"| {_ICONS[f.severity]} {f.severity} | `{f.rule}` | {_where(f)} |"
        f" {_cell(f.message)}{obj} |\n"
    )


def _names(f: Finding) -> tuple[str, ...]:
    return f.envs or (NO_ENV,)


def _order(result: LintResult) -> Callable[[str], tuple[int, int, str]]:
    rank = {name: i for i, name in enumerate(result.environments)}
    return lambda n: (n == NO_ENV, rank.get(n, len(rank)), n)


def _envs(findings: Iterable[Finding], key: Callable[[str], tuple[int, int, str]]) -> list[str]:
    return sorted({name for f in findings for name in _names(f)}, key=key)


def render(result: LintResult, color: bool = False) -> str:
    counts = result.counts()
    head = [
        "### gitops-ml lint\n\n",
        f"**{counts['error']}** error(s), **{counts['warning']}** warning(s), "
        f"**{counts['info']}** info, {len(result.suppressed)} suppressed "
        f"— {result.overlays} overlay(s), {result.objects} object(s)\n\n",
    ]
    if not result.findings:
        head.append(":white_check_mark: No findings.\n")
        return "".join(head)
    order = _order(result)
    envs = _envs((*result.findings, *result.suppressed), order)
    head.append(
        "| environment | errors | warnings | info | suppressed |\n|---|---:|---:|---:|---:|\n"
    )
    for env in envs:
        mine = [f for f in result.findings if env in _names(f)]
        hidden = sum(1 for f in result.suppressed if env in _names(f))
        per = [sum(1 for f in mine if f.severity is s) for s in Severity][::-1]
        head.append(f"| {_cell(env)} | {per[0]} | {per[1]} | {per[2]} | {hidden} |\n")
    out = "".join(head) + "\n"
    shown = 0
    total = len(result.findings)
    footer_room = 400
    groups = sorted(
        {_names(f) for f in result.findings}, key=lambda names: [order(n) for n in names]
    )
    for names in groups:
        mine = sorted(
            (f for f in result.findings if _names(f) == names),
            key=lambda f: (-f.severity, *f.sort_key()),
        )
        label = ", ".join(names)
        opening = (
            f"<details><summary><b>{_cell(label)}</b>: {len(mine)} finding(s)</summary>\n\n"
            "| severity | rule | where | message |\n|---|---|---|---|\n"
        )
        closing = "\n</details>\n\n"
        if len(out) + len(opening) + len(closing) + footer_room > LIMIT:
            break
        block = opening
        for f in mine:
            row = _row(f)
            if len(out) + len(block) + len(row) + len(closing) + footer_room > LIMIT:
                break
            block += row
            shown += 1
        out += block + closing
        if shown < total and len(out) + footer_room >= LIMIT - 2_000:
            break
    if shown < total:
        out += (
            f"**{total - shown} more finding(s) not shown** (the comment is limited to "
            f"{LIMIT:,} characters); run `gitops-ml lint` for the full report.\n"
        )
    return out
