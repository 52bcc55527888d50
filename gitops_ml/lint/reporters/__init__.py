"""Reporters: a LintResult to text for people, tools and code scanning."""

from __future__ import annotations

from collections.abc import Callable

from gitops_ml.lint.engine import LintResult
from gitops_ml.lint.reporters import json_report, text

Reporter = Callable[[LintResult, bool], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
}
