"""The review as text (terminal), markdown (a pull-request comment) and JSON (tools).

The markdown stays under GitHub's 65,536-character comment limit: the summary,
the ML-significant changes and the findings delta come first; per-object diffs
follow until the budget is spent, and the comment says what it left out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from gitops_ml.diff import Highlight, ObjectChange, ReviewResult
from gitops_ml.findings import Finding

GITHUB_COMMENT_LIMIT = 65_536
MARKDOWN_BUDGET = 60_000  # room for the footer and GitHub's own escaping
COMMENT_MARKER = "<!-- gitops-ml-diff -->"
MAX_VALUE_CHARS = 120
MAX_LISTED = 50


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _object(h: Highlight | ObjectChange) -> str:
    key = h.key
    namespace = f"{key.namespace}/" if key.namespace else ""
    return f"{key.kind}/{namespace}{key.name}"


def _finding(f: Finding) -> str:
    where = f.file or "(repository)"
    if f.line is not None:
        where += f":{f.line}"
    env = f" [{','.join(f.envs)}]" if f.envs else ""
    return f"{where}: {f.severity} {f.rule} {f.message}{env}"


def _refs(result: ReviewResult) -> str:
    head = result.head_ref
    if result.head_commit:
        head += f" ({result.head_commit[:12]})"
    return f"{result.base_ref} ({result.base_commit[:12]}) -> {head}"


# -- text -----------------------------------------------------------------------------


def render_text(result: ReviewResult, color: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    out = [paint(f"gitops-ml diff {_refs(result)}", "1")]
    if not result.has_differences:
        out.append("no rendered differences")
    for env in result.environments:
        out.append(
            f"{env.name}: {env.added} added, {env.removed} removed, {env.changed} changed"
            f" ({', '.join(env.overlays)})"
        )
    if result.highlights:
        out.append(paint("ML-significant changes:", "1"))
        out.extend(
            f"  {h.environment} {_object(h)} {h.what} ({h.field}): "
            f"{_value(h.old)} -> {_value(h.new)}"
            for h in result.highlights
        )
    for label, findings in (
        ("New findings:", result.new_findings),
        ("Fixed findings:", result.fixed_findings),
    ):
        if findings:
            out.append(paint(label, "1"))
            out.extend("  " + _finding(f) for f in findings)
    for p in result.problems:
        out.append(f"build error at the {p.side} in {p.overlay} ({p.environment}): {p.message}")
    for change in result.changes:
        out.append(paint(f"--- {change.environment} {_object(change)} ({change.status})", "1"))
        for line in change.diff.splitlines():
            code = "32" if line.startswith("+") else "31" if line.startswith("-") else ""
            out.append(paint(line, code) if code and not line.startswith(("+++", "---")) else line)
    return "\n".join(out) + "\n"


# -- markdown ---------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fence(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return fence


def render_markdown(result: ReviewResult, color: bool = False) -> str:
    del color
    head: list[str] = [COMMENT_MARKER, "## gitops-ml diff", "", f"`{_refs(result)}`", ""]
    if not result.has_differences:
        head += ["No rendered differences.", ""]
    if result.environments:
        head += ["| environment | added | removed | changed | overlays |", "|---|---|---|---|---|"]
        head += [
            f"| {_md_cell(e.name)} | {e.added} | {e.removed} | {e.changed} | "
            f"{_md_cell(', '.join(f'`{o}`' for o in e.overlays))} |"
            for e in result.environments
        ]
        head.append("")
    left_out: list[str] = []
    if result.highlights:
        head += [
            "### ML-significant changes",
            "",
            "| environment | object | what | field | before | after |",
            "|---|---|---|---|---|---|",
        ]
        for h in result.highlights[:MAX_LISTED]:
            head.append(
                f"| {_md_cell(h.environment)} | `{_md_cell(_object(h))}` | {h.what} | "
                f"`{_md_cell(h.field)}` | `{_md_cell(_value(h.old))}` | "
                f"`{_md_cell(_value(h.new))}` |"
            )
        if len(result.highlights) > MAX_LISTED:
            left_out.append(f"{len(result.highlights) - MAX_LISTED} ML-significant changes")
        head.append("")
    delta = (("New findings", result.new_findings), ("Fixed", result.fixed_findings))
    for label, findings in delta:
        if findings:
            head += [f"### {label} ({len(findings)})", ""]
            head += [f"- `{_md_cell(_finding(f))}`" for f in findings[:MAX_LISTED]]
            if len(findings) > MAX_LISTED:
                left_out.append(f"{len(findings) - MAX_LISTED} {label.lower()} findings")
            head.append("")
    if result.problems:
        head += ["### Build errors", ""]
        head += [
            f"- {p.side} `{p.overlay}` ({p.environment}): `{_md_cell(p.message)[:300]}`"
            for p in result.problems[:MAX_LISTED]
        ]
        head.append("")
    text = "\n".join(head)
    sections: list[str] = []
    used = len(text)
    omitted = 0
    for change in result.changes:
        fence = _fence(change.diff)
        section = (
            f"<details><summary>{change.environment}: <code>{_object(change)}</code> "
            f"({change.status})</summary>\n\n{fence}diff\n{change.diff}{fence}\n\n</details>\n"
        )
        if omitted or used + len(section) > MARKDOWN_BUDGET:
            omitted += 1
            continue
        sections.append(section)
        used += len(section)
    if result.changes:
        text += "\n### Objects\n\n" + "\n".join(sections)
    if omitted:
        left_out.append(f"{omitted} of {len(result.changes)} object diffs")
    if left_out:
        text += (
            "\n> [!NOTE]\n> Left out to stay under GitHub's comment size limit: "
            + "; ".join(left_out)
            + f". Run `gitops-ml diff --base {result.base_ref}` for everything.\n"
        )
    return text


# -- json -------------------------------------------------------------------------------


def render_json(result: ReviewResult, color: bool = False) -> str:
    del color
    return json.dumps(result.to_json(), indent=2, sort_keys=False) + "\n"


REVIEW_REPORTERS: dict[str, Callable[[ReviewResult, bool], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
