"""The JSON contract: ``{"findings": [...], "summary": {...}}``; stable keys."""

from __future__ import annotations

import json

from gitops_ml.lint.engine import LintResult


def render(result: LintResult, color: bool = False) -> str:
    data = {
        "findings": [f.to_json() for f in result.findings],
        "suppressed": [{**f.to_json(), "suppressedBy": f.suppressed} for f in result.suppressed],
        "summary": result.summary(),
    }
    return json.dumps(data, indent=2) + "\n"
