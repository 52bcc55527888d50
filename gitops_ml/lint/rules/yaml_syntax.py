"""yaml-syntax: a YAML file that cannot be parsed.

## What it does
Reports a kustomization or manifest that is not valid YAML, or is not text
(binary, not UTF-8, over the size limit, an alias bomb), at the line where the
parser stopped. Trailing tabs after a value, which kustomize (Go yaml.v3)
accepts and stricter parsers reject, are reported as a warning only.

## Why is this bad?
kustomize stops at the first unreadable file, so one stray indent hides every
other problem of the overlay, and Argo CD or Flux stop syncing the model: a
retrained model never reaches serving.

## Example
```yaml
spec:
  predictor:
   model:        # indented by one space less than its sibling
      storageUri: s3://models/fraud/v3
```

## Use instead
```yaml
spec:
  predictor:
    model:
      storageUri: s3://models/fraud/v3
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, SourceFile
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.yamlio import is_duplicate_key


def check(ctx: LintContext, source: SourceFile, options: Mapping[str, Any]) -> Iterator[Violation]:
    if source.error is not None and not is_duplicate_key(source.error):
        yield Violation(
            message=source.error.message,
            file=source.rel,
            line=source.error.line,
            column=source.error.column,
        )
    for line in source.tab_lines:
        yield Violation(
            message="trailing tab after a value: kustomize accepts it, many YAML tools do not",
            file=source.rel,
            line=line,
            severity=Severity.WARNING,
        )


RULE = Rule(
    id="yaml-syntax",
    scope=Scope.SOURCE,
    severity=Severity.ERROR,
    summary="a YAML file cannot be parsed",
    remediation="Fix the YAML at the reported line; `yamllint` shows the structure around it.",
    check=check,
    doc=__doc__ or "",
)
