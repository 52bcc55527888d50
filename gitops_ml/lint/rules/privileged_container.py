"""privileged-container: a container that runs privileged or may escalate privileges.

## What it does
Reports `securityContext.privileged: true` and
`securityContext.allowPrivilegeEscalation: true` on any container or init
container of a workload, training job, runtime or InferenceService.

## Why is this bad?
A privileged container owns the node: it sees every GPU, every other tenant's
checkpoints on the host and the kubelet's credentials. Device plugins already
expose GPUs to unprivileged containers; a training image that "needs"
privileged mode to see GPUs is usually missing the NVIDIA runtime class, not
privileges.

## Example
```yaml
securityContext:
  privileged: true
```

## Use instead
```yaml
securityContext:
  allowPrivilegeEscalation: false
  capabilities: {drop: [ALL]}
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

_FIELDS = {
    "privileged": "runs privileged",
    "allowPrivilegeEscalation": "allows privilege escalation",
}


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    for c in workloads.containers(obj.data):
        context = c.container.get("securityContext")
        if not isinstance(context, dict):
            continue
        for field, what in _FIELDS.items():
            if context.get(field) is True:
                yield Violation(
                    message=f"{c.noun} {what}",
                    path=(*c.path, "securityContext", field),
                )


RULE = Rule(
    id="privileged-container",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a container runs privileged or allows privilege escalation",
    remediation="Remove `privileged: true` and set `allowPrivilegeEscalation: false`.",
    check=check,
    doc=__doc__ or "",
    kinds=workloads.ALL_KINDS,
)
