"""kustomize-deprecated-field: a kustomization uses a field kustomize deprecates.

## What it does
Reports each use of a field for which kustomize prints
`# Warning: '<field>' is deprecated` on every build: `bases`,
`commonLabels`, `imageTags`, `patchesJson6902`, `patchesStrategicMerge` and
`vars`, at the line of the field, once per kustomization file (kustomize
prints it once per build of every overlay that includes the file). Like
kustomize, a field whose value is null is not reported, an empty list or
map is. This is kustomize's own check, `(*Kustomization).CheckDeprecatedFields`
in `api/types/kustomization.go` (printed by `(*KustTarget).Load` in
`api/internal/target/kusttarget.go`); gitops-ml reads the fields from the
kustomization it already parsed and keeps kustomize's lines off stderr.

## Why is this bad?
Deprecated fields are on their way out of kustomize (`vars` "will be removed
in a future release"), and the warnings bury the lines that matter in every
CI log and pre-commit run. `commonLabels` also writes its labels into
selectors: adding a label there later changes a Deployment's immutable
`spec.selector`, and the sync of the model server fails until someone
deletes the Deployment by hand.

## Example
```yaml
kind: Kustomization
bases:
- ../../base
commonLabels:
  app.kubernetes.io/part-of: fraud
patchesStrategicMerge:
- replicas.yaml
```

## Use instead
```yaml
kind: Kustomization
resources:
- ../../base
labels:
- pairs:
    app.kubernetes.io/part-of: fraud
  includeSelectors: true   # what commonLabels did; false keeps selectors alone
patches:
- path: replicas.yaml
```
`kustomize edit fix` rewrites the fields (for `vars` only experimentally).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, SourceFile
from gitops_ml.lint.rule import Rule, Scope, Violation

# field -> (its replacement, the Go type kustomize decodes it into); in kustomize's order
DEPRECATED: dict[str, tuple[str, type]] = {
    "bases": ("resources", list),
    "commonLabels": ("labels", dict),
    "imageTags": ("images", list),
    "patchesJson6902": ("patches", list),
    "patchesStrategicMerge": ("patches", list),
    "vars": ("replacements", list),
}


def check(ctx: LintContext, source: SourceFile, options: Mapping[str, Any]) -> Iterator[Violation]:
    k = source.kustomization
    if k is None or k.error is not None or not isinstance(k.data, dict):
        return
    for name, (instead, go_type) in DEPRECATED.items():
        # null leaves the Go field nil (no warning); another type fails the build instead
        if isinstance(k.data.get(name), go_type):
            fix = "" if name == "vars" else "; `kustomize edit fix` rewrites it"
            yield Violation(
                message=f"{name!r} is deprecated in kustomize: use {instead!r}{fix}",
                path=(name,),
            )


RULE = Rule(
    id="kustomize-deprecated-field",
    scope=Scope.SOURCE,
    severity=Severity.WARNING,
    summary="a kustomization uses a field kustomize deprecates",
    remediation="Move the field to its replacement (`kustomize edit fix` does it for most).",
    check=check,
    doc=__doc__ or "",
)
