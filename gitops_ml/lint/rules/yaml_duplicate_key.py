"""yaml-duplicate-key: a mapping that names the same key twice.

## What it does
Reports the second occurrence of a key in one YAML mapping.

## Why is this bad?
Parsers disagree on which value wins: kustomize (Go yaml.v3) refuses the file,
other tools silently keep the last value. A duplicated `resources:` or `env:`
key means the GPU limit or model URI a reviewer read is not the one that runs.

## Example
```yaml
resources:
  limits:
    nvidia.com/gpu: 1
  limits:
    memory: 16Gi
```

## Use instead
```yaml
resources:
  limits:
    nvidia.com/gpu: 1
    memory: 16Gi
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
    if source.error is not None and is_duplicate_key(source.error):
        yield Violation(
            message=source.error.message,
            file=source.rel,
            line=source.error.line,
            column=source.error.column,
        )


RULE = Rule(
    id="yaml-duplicate-key",
    scope=Scope.SOURCE,
    severity=Severity.ERROR,
    summary="a YAML mapping repeats a key",
    remediation="Keep one occurrence of the key and merge the values into it.",
    check=check,
    doc=__doc__ or "",
)
