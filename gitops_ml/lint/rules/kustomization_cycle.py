"""kustomization-cycle: kustomizations that include each other.

## What it does
Reports every `resources`, `bases` or `components` entry that closes a cycle:
a kustomization that, through the ones it includes, includes itself again.
Overlays that reach a cycle are not built; `build-failed` says so.

## Why is this bad?
kustomize refuses a cycle ("cycle detected"), so nothing of the overlay
syncs, and the model keeps serving from the last build that worked. A cycle
usually comes from a copied overlay whose `../` now points one level too far.

## Example
```yaml
# models/fraud/base/kustomization.yaml
resources:
- ../overlays/prod      # prod already includes ../../base
```

## Use instead
```yaml
# models/fraud/base/kustomization.yaml
resources:
- deployment.yaml       # a base includes its own files, never an overlay
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.kustomizations import rel
from gitops_ml.lint.context import LintContext, SourceFile
from gitops_ml.lint.rule import Rule, Scope, Violation


def check(ctx: LintContext, source: SourceFile, options: Mapping[str, Any]) -> Iterator[Violation]:
    k = source.kustomization
    cycles = ctx.repo.cycles
    if k is None or k.dir not in cycles:
        return
    for ref in k.references:
        if not ref.is_directory_edge or ref.target is None:
            continue
        if cycles.get(ref.target) == cycles[k.dir]:
            target = rel(ctx.root, ref.target)
            yield Violation(
                message=(
                    f"{ref.field} entry {ref.value!r} includes {target}, "
                    f"which includes {k.rel_dir} again"
                ),
                path=ref.path,
            )


RULE = Rule(
    id="kustomization-cycle",
    scope=Scope.SOURCE,
    severity=Severity.ERROR,
    summary="kustomizations include each other in a cycle",
    remediation="Remove the entry that points back up: a base never includes an overlay.",
    check=check,
    doc=__doc__ or "",
)
