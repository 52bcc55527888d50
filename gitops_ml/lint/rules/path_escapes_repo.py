"""path-escapes-repo: a kustomization reaches outside the repository.

## What it does
Reports a path in a kustomization that is absolute, climbs out of the
repository with `..`, or passes through a symlink that points outside it.

## Why is this bad?
Argo CD and Flux build from a clean checkout of this repository only: what
the path names on your machine does not exist there, so the environment
stops syncing. In CI on a pull request it is also a way to read files the
reviewer never sees.

## Example
```yaml
resources:
- /home/alice/models/fraud/deployment.yaml
- ../../../other-repo/base
```

## Use instead
```yaml
resources:
- ../../base                # inside the repository
- https://github.com/acme/ml-bases//fraud?ref=v1.4.0   # or a pinned remote base
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, SourceFile
from gitops_ml.lint.rule import Rule, Scope, Violation


def check(ctx: LintContext, source: SourceFile, options: Mapping[str, Any]) -> Iterator[Violation]:
    k = source.kustomization
    if k is None:
        return
    for ref in k.references:
        if ref.status == "escapes":
            how = "is absolute" if ref.value.startswith("/") else "leads outside the repository"
            yield Violation(message=f"{ref.field} entry {ref.value!r} {how}", path=ref.path)


RULE = Rule(
    id="path-escapes-repo",
    scope=Scope.SOURCE,
    severity=Severity.ERROR,
    summary="a kustomization path leaves the repository",
    remediation="Keep every path relative and inside the repository, or use a pinned remote base.",
    check=check,
    doc=__doc__ or "",
)
