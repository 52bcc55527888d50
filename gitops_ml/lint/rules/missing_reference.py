"""missing-reference: a kustomization names a file or folder that is not there.

## What it does
Checks every path a kustomization names (`resources`, `bases`, `components`,
`patches`, `patchesStrategicMerge`, `patchesJson6902`, generator `files` and
`envs`, `crds`, `configurations`, `replacements`, `openapi`): it must exist,
a folder must hold a kustomization, and a field that takes a file must not
name a folder.

## Why is this bad?
The overlay does not build, so the GitOps controller stops syncing the whole
environment: a renamed patch file blocks every model rollout in it.

## Example
```yaml
resources:
- ../../base
patches:
- path: gpu-patch.yaml      # the file is called gpu.yaml
```

## Use instead
```yaml
resources:
- ../../base
patches:
- path: gpu.yaml
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, SourceFile
from gitops_ml.lint.rule import Rule, Scope, Violation

_WHY = {
    "missing": "{field} entry {value!r} does not exist",
    "not-a-kustomization": "{field} entry {value!r} is a folder with no kustomization.yaml",
    "directory": "{field} entry {value!r} is a folder where a file is expected",
}


def check(ctx: LintContext, source: SourceFile, options: Mapping[str, Any]) -> Iterator[Violation]:
    k = source.kustomization
    if k is None:
        return
    for ref in k.references:
        template = _WHY.get(ref.status)
        if template is not None:
            yield Violation(
                message=template.format(field=ref.field, value=ref.value), path=ref.path
            )


RULE = Rule(
    id="missing-reference",
    scope=Scope.SOURCE,
    severity=Severity.ERROR,
    summary="a kustomization names a path that does not exist",
    remediation="Correct the path, or add the missing file or kustomization.yaml.",
    check=check,
    doc=__doc__ or "",
)
