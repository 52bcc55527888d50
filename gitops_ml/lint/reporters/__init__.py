"""Reporters: a LintResult to text for people, tools and code scanning."""

from __future__ import annotations

from collections.abc import Callable

from gitops_ml.lint.engine import LintResult
from gitops_ml.lint.reporters import github, json_report, markdown, sarif, text

Reporter = Callable[[LintResult, bool], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
    "markdown": markdown.render,
}
