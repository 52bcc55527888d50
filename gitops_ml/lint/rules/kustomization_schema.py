"""kustomization-schema: a kustomization that does not match kustomize's schema.

## What it does
Validates every `kustomization.yaml` against SchemaStore's kustomization
schema (shipped with gitops-ml): unknown fields, wrong types, invalid enum
values such as a `sortOptions.order` other than `legacy` or `fifo`.
A known field with no value (`components:` whose entries are all commented
out) is accepted: kustomize reads null as the field's zero value and builds
it. An unknown field is reported even when it is empty. `imageTags` and
`helmChartInflationGenerator`, which kustomize still reads but the schema
does not list, are not unknown.

## Why is this bad?
kustomize ignores or rejects misspelled fields depending on the version: an
`image:` instead of `images:` leaves the overlay running the base's model
image, and nobody notices until prod serves last month's model.

## Example
```yaml
kind: Kustomization
image:              # not a kustomization field
- name: ghcr.io/acme/fraud
  newTag: "3.1.0"
```

## Use instead
```yaml
kind: Kustomization
images:
- name: ghcr.io/acme/fraud
  newTag: "3.1.0"
```
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, SourceFile
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.schemas import schema_errors


def _null_field(data: Any, path: tuple[str | int, ...]) -> bool:
    """Whether ``path`` names a mapping key whose value is null (``components:`` and nothing).

    kustomize decodes YAML into Go structs, where null is the field's zero value:
    a key whose list entries are all commented out builds like an empty list.
    A null list entry is not a zero value of anything and stays an error.
    """
    if not path or not isinstance(path[-1], str):
        return False
    parent: Any = data
    for part in path[:-1]:
        ok = isinstance(parent, dict) if isinstance(part, str) else isinstance(parent, list)
        if not ok or (isinstance(parent, list) and not 0 <= int(part) < len(parent)):
            return False
        parent = parent.get(part) if isinstance(parent, dict) else parent[int(part)]
    return isinstance(parent, dict) and path[-1] in parent and parent[path[-1]] is None


# Fields of kustomize's Kustomization struct (api/types/kustomization.go) that the
# SchemaStore schema lacks; FixKustomization moves them to images and helmCharts.
# kustomize-deprecated-field reports imageTags; a wrong type fails the build.
_KUSTOMIZE_ONLY = ("imageTags", "helmChartInflationGenerator")


def check(ctx: LintContext, source: SourceFile, options: Mapping[str, Any]) -> Iterator[Violation]:
    k = source.kustomization
    if k is None or k.data is None or k.error is not None:
        return
    if k.data.get("kind") not in (None, "Kustomization", "Component"):
        yield Violation(
            message=f"kind {k.data.get('kind')!r} is not Kustomization or Component",
            path=("kind",),
        )
        return
    plain = json.loads(json.dumps(k.data, default=str))
    for name in _KUSTOMIZE_ONLY:
        plain.pop(name, None)
    for error in schema_errors(ctx.schemas.kustomization_validator(), plain):
        if not error.unknown and _null_field(plain, error.path):
            continue
        where = ".".join(str(p) for p in error.path) or "the top level"
        yield Violation(message=f"{where}: {error.message}", path=error.path)


RULE = Rule(
    id="kustomization-schema",
    scope=Scope.SOURCE,
    severity=Severity.ERROR,
    summary="a kustomization does not match kustomize's schema",
    remediation="Fix the field name or value; see https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/",
    check=check,
    doc=__doc__ or "",
)
