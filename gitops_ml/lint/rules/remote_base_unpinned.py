"""remote-base-unpinned: a remote kustomize base without a fixed version.

## What it does
Reports a remote resource (a git URL or `github.com/...` path) whose `ref`
is missing or names a branch (`main`, `master`, `HEAD`, ...) rather than a tag
or a commit. gitops-ml never fetches remote bases unless `--allow-remote`
is given; overlays that use one are reported as not rendered.

## Why is this bad?
The base can change under you: a push to the other repository changes what
your prod serving or training job runs without a commit in this one, and a
rollback of this repository no longer restores the old state.

## Example
```yaml
resources:
- https://github.com/acme/ml-bases//kserve?ref=main
```

## Use instead
```yaml
resources:
- https://github.com/acme/ml-bases//kserve?ref=v1.4.0
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.lint.context import LintContext, SourceFile
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.model import Severity

_REF = re.compile(r"[?&](?:ref|version)=([^&]+)")
_BRANCHES = frozenset({"main", "master", "head", "develop", "dev", "trunk", "latest"})
_PINNED = re.compile(r"^(?:v?\d+(?:\.\d+)*(?:[-+.][\w.]+)?|[0-9a-f]{7,40})$", re.IGNORECASE)


def is_pinned(url: str) -> bool:
    match = _REF.search(url)
    if match is None:
        return False
    ref = match.group(1)
    return ref.lower() not in _BRANCHES and bool(_PINNED.match(ref))


def check(ctx: LintContext, source: SourceFile, options: Mapping[str, Any]) -> Iterator[Violation]:
    k = source.kustomization
    if k is None:
        return
    for ref in k.references:
        if ref.status == "remote" and not is_pinned(ref.value):
            yield Violation(
                message=f"remote {ref.field} entry {ref.value!r} is not pinned to a tag or commit",
                path=ref.path,
            )


RULE = Rule(
    id="remote-base-unpinned",
    scope=Scope.SOURCE,
    severity=Severity.WARNING,
    summary="a remote base is not pinned to a tag or commit",
    remediation="Add ?ref=<tag or commit> to the URL.",
    check=check,
    doc=__doc__ or "",
)
