"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``).

Every registered rule is described under ``tool.driver.rules`` (summary,
the *What it does* section, the whole rule doc as help, default level);
each finding is a result with a repo-relative ``artifactLocation`` and a
region when the line is known. Suppressed findings are results too, with a
``suppressions`` entry, so code scanning shows them as dismissed in source.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from gitops_ml import __version__
from gitops_ml.findings import Finding, Severity
from gitops_ml.lint.engine import LintResult
from gitops_ml.lint.rule import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/gitops-ml/gitops-ml"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _section(doc: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", doc, re.M | re.S)
    return match.group(1).strip() if match else ""


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    doc = rule.doc.strip()
    body = doc.split("\n", 1)[1].strip() if "\n" in doc else doc
    what = _section(doc, "What it does") or rule.summary
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(what.split())},
        "help": {"text": f"{rule.remediation}\n\n{body}", "markdown": body},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"tags": ["gitops", "kubernetes", "ml"], "scope": rule.scope.value},
    }


def _fingerprint(f: Finding) -> str:
    text = "\x00".join((f.rule, f.file or "", str(f.object or ""), f.environment or "", f.message))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "level": _LEVELS[f.severity],
        "message": {"text": f.message + (f" Hint: {f.hint}" if f.hint else "")},
        "partialFingerprints": {"gitopsMlFinding/v1": _fingerprint(f)},
    }
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    if f.file is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": f.file, "uriBaseId": "%SRCROOT%"}}
        if f.line is not None:
            region: dict[str, int] = {"startLine": f.line}
            if f.column is not None:
                region["startColumn"] = f.column
            physical["region"] = region
        location: dict[str, Any] = {"physicalLocation": physical}
        if f.object is not None:
            location["logicalLocations"] = [{"fullyQualifiedName": str(f.object), "kind": "object"}]
        result["locations"] = [location]
    properties: dict[str, Any] = {
        k: v for k, v in (("environment", f.environment), ("overlay", f.overlay)) if v is not None
    }
    if f.envs:
        properties["environments"] = list(f.envs)
    if properties:
        result["properties"] = properties
    if f.suppressed:
        result["suppressions"] = [
            {"kind": "inSource", "justification": f"gitops-ml {f.suppressed} suppression"}
        ]
    return result


def _rules(result: LintResult) -> list[Rule]:
    from gitops_ml.lint.rules import RULES

    return list(RULES)


def build(result: LintResult) -> dict[str, Any]:
    rules = _rules(result)
    descriptors = [_rule_descriptor(r) for r in rules]
    known = {r.id for r in rules}
    for f in (*result.findings, *result.suppressed):
        if f.rule not in known:  # a rule passed in LintOptions.rules only
            known.add(f.rule)
            descriptors.append(
                {"id": f.rule, "shortDescription": {"text": f.rule}, "helpUri": INFORMATION_URI}
            )
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    findings = sorted((*result.findings, *result.suppressed), key=Finding.sort_key)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gitops-ml",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": result.root.as_uri() + "/"}},
                "invocations": [{"executionSuccessful": True}],
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index) for f in findings],
                "properties": {"summary": result.summary()},
            }
        ],
    }


def render(result: LintResult, color: bool = False) -> str:
    return json.dumps(build(result), indent=2) + "\n"
