"""build-failed: kustomize cannot build an overlay.

## What it does
Builds every leaf kustomization (an overlay no other kustomization includes)
with the real kustomize and reports kustomize's own message at the overlay's
`kustomization.yaml`: its root cause first, in one short line (`lint
--verbose` prints kustomize's whole text). When the cause is a finding of
its own (a file that is not valid YAML, a path that is not there), the
message names that file and rule instead. Overlays that were not built say why: a remote base
that is not fetched without `--allow-remote`, or a cycle of kustomizations.

## Why is this bad?
What does not build does not sync: Argo CD marks the Application as
`ComparisonError`, Flux stops the Kustomization, and the environment keeps
running the previous model while the commit looks merged and done.

## Example
```yaml
resources:
- ../../base
patches:
- path: replicas.yaml     # patches a Deployment the base does not have
```

## Use instead
Make the patch target match an object of the base (kind and name), or
remove it; `gitops-ml render DIR` shows kustomize's output.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.build_errors import explain
from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedOverlay
from gitops_ml.lint.rule import Rule, Scope, Violation


def check(
    ctx: LintContext, overlay: RenderedOverlay, options: Mapping[str, Any]
) -> Iterator[Violation]:
    if overlay.error is not None:
        yield Violation(
            message=f"kustomize build failed: {explain(ctx, overlay)}",
            file=overlay.file,
            line=1,
            detail=f"kustomize build failed: {overlay.error}",
        )
    elif overlay.skipped is not None:
        yield Violation(
            message=f"overlay not rendered: {overlay.skipped}",
            file=overlay.file,
            line=1,
            severity=Severity.WARNING,
        )


RULE = Rule(
    id="build-failed",
    scope=Scope.OVERLAY,
    severity=Severity.ERROR,
    summary="kustomize cannot build an overlay",
    remediation="Run `gitops-ml render DIR` and fix what kustomize reports.",
    check=check,
    doc=__doc__ or "",
)
