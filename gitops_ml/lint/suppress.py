"""Suppressions: an object annotation and a comment on the offending line.

* ``metadata.annotations["gitops-ml.io/ignore"]: "rule-a,rule-b"`` on an
  object (in its source, so it is in the rendered object too); ``all`` or
  ``*`` suppresses every rule for that object.
* ``# gitops-ml: ignore[rule-a,rule-b] reason`` on the line a finding points
  at, alone on the line above it (a trailing comment on the line above
  belongs to that line), or on any line of the YAML node the finding points
  into: a finding at an ``images:`` entry's ``- name:`` is suppressed by a
  comment beside or above its ``newTag:``.

Config settings (off, severity) are applied by the engine before this. Every
suppressed finding is kept and counted in the summary.
"""

from __future__ import annotations

import re
from dataclasses import replace

from gitops_ml.findings import Finding
from gitops_ml.lint.context import LintContext
from gitops_ml.lint.locate import Locator

ANNOTATION = "gitops-ml.io/ignore"
COMMENT = re.compile(r"#\s*gitops-ml:\s*ignore\[([^\]]*)\]\s*(.*)$")


def parse_rules(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def comment_rules(line: str) -> tuple[frozenset[str], str] | None:
    match = COMMENT.search(line)
    if match is None:
        return None
    return parse_rules(match.group(1)), match.group(2).strip()


class Suppressions:
    def __init__(self, ctx: LintContext, locator: Locator) -> None:
        self.ctx = ctx
        self.locator = locator
        self._annotations: dict[tuple[str | None, str], frozenset[str]] = {}
        self._commented: dict[str, bool] = {}
        for obj in ctx.objects():
            value = obj.annotations.get(ANNOTATION)
            if isinstance(value, str):
                self._annotations[(obj.overlay or obj.origin, str(obj.key))] = parse_rules(value)

    def _by_annotation(self, finding: Finding) -> bool:
        if finding.object is None:
            return False
        for scope in (finding.overlay, finding.file):
            rules = self._annotations.get((scope, str(finding.object)))
            if rules and (finding.rule in rules or rules & {"all", "*"}):
                return True
        return False

    def _by_comment(self, finding: Finding) -> bool:
        if finding.file is None or finding.line is None:
            return False
        lines = self.ctx.lines(finding.file)
        if finding.file not in self._commented:
            self._commented[finding.file] = any(COMMENT.search(line) for line in lines)
        if not self._commented[finding.file]:
            return False  # most files: no need to parse their positions
        numbers = [finding.line, finding.line - 1]
        if finding.column is not None:
            numbers.extend(
                self.locator.node_lines(finding.file, finding.line, finding.column) or ()
            )
        for number in dict.fromkeys(numbers):
            if not 1 <= number <= len(lines):
                continue
            text = lines[number - 1]
            # the line above counts only as a comment line of its own: a trailing
            # comment there belongs to that line's own findings
            if number == finding.line - 1 and not text.lstrip().startswith("#"):
                continue
            found = comment_rules(text)
            if found and (finding.rule in found[0] or found[0] & {"all", "*"}):
                return True
        return False

    def apply(self, findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
        kept: list[Finding] = []
        suppressed: list[Finding] = []
        for finding in findings:
            if self._by_annotation(finding):
                suppressed.append(replace(finding, suppressed="annotation"))
            elif self._by_comment(finding):
                suppressed.append(replace(finding, suppressed="comment"))
            else:
                kept.append(finding)
        return kept, suppressed
