"""partial-object: an object that lacks required fields because it patches one the cluster has.

## What it does
Finds objects that `schema-invalid` does not check for required fields
because they patch an object that already exists: an object with nothing
beyond `apiVersion`, `kind` and `metadata`, or one Argo CD applies
server-side (`argocd.argoproj.io/sync-options: ServerSideApply=true`). When
the schema of its kind names required fields the object leaves out, this
info finding says so: the object must already exist in the cluster (created
by the cluster, an operator or another repository), or the apply fails.

## Why is this bad?
It is not wrong, but it is a dependency nobody wrote down. On a fresh
cluster, or one where the provider renamed its default StorageClass, the
sync fails with "provisioner: Required value" and the model's volume never
binds.

## Example
```yaml
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: gp3-csi                       # created by the cluster's CSI driver
  annotations:
    storageclass.kubernetes.io/is-default-class: "false"
```

## Use instead
Keep it, and make sure the object exists where it is synced; or write the
whole object (`provisioner: ebs.csi.aws.com`, ...) if this repository owns it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.lint.rules.schema_invalid import SYNC_OPTIONS, is_partial
from gitops_ml.schemas import SchemaError


def _field(error: SchemaError) -> str:
    match = re.match(r'^"([^"]+)"', error.message)  # jsonschema-rs: "x" is a required property
    return ".".join([*(str(p) for p in error.path), match.group(1) if match else "?"])


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    if not obj.key.api_version or not obj.key.kind or not is_partial(obj):
        return
    missing = [e for e in ctx.schemas.validate(obj.data) or () if e.keyword == "required"]
    if not missing:
        return
    how = (
        "has nothing beyond metadata"
        if obj.data.keys() <= {"apiVersion", "kind", "metadata"}
        else f"is applied server-side ({SYNC_OPTIONS}: ServerSideApply=true)"
    )
    fields = ", ".join(sorted({_field(e) for e in missing}))
    yield Violation(
        message=f"{obj.kind} '{obj.name}' {how}: it patches an object that must already exist "
        f"in the cluster (it leaves out the required {fields})",
        path=("kind",),
    )


RULE = Rule(
    id="partial-object",
    scope=Scope.OBJECT,
    severity=Severity.INFO,
    summary="an object patches one that must already exist in the cluster",
    remediation="Make sure the object exists where this is synced, or write the whole object.",
    check=check,
    doc=__doc__ or "",
)
