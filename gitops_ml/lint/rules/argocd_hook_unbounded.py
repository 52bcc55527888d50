"""argocd-hook-unbounded: an Argo CD hook Job or Pod that can run forever.

## What it does
Reports a batch `Job` or a `Pod` with the `argocd.argoproj.io/hook`
annotation (`PreSync`, `Sync`, `PostSync`, `SyncFail`, `PreDelete`,
`PostDelete`; a hook that is only `Skip` is never run) that has no
`activeDeadlineSeconds`: neither the Job's `spec.activeDeadlineSeconds` nor
its pod template's (for a Pod, `spec.activeDeadlineSeconds`).

Argo CD waits for a phase's hooks to finish before the next phase
(`docs/user-guide/sync-waves.md`; hook types as `Types` in
`gitops-engine/pkg/sync/hook/hook.go` and `controller/hook.go` read them);
its only time limit is the controller-wide `controller.sync.timeout.seconds`
(`docs/operator-manual/argocd-cmd-params-cm.yaml`), 0, no limit, by default. `backoffLimit` bounds failures, not a pod that hangs.

## Why is this bad?
A PreSync hook that waits for a model to appear in the registry, migrates a
feature store or warms a cache can hang on a lock or a network call that
never returns; any hook hangs when its image cannot be pulled or its pod
never schedules (a GPU node pool at zero), whatever its command. The sync
stays "Running" forever: no later commit rolls out, not even the fix, until
someone finds and deletes the Job by hand.

## Example
```yaml
apiVersion: batch/v1
kind: Job
metadata:
  name: register-model
  annotations:
    argocd.argoproj.io/hook: PreSync
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: register, image: ghcr.io/acme/mlflow-register:1.2.0}]
```

## Use instead
```yaml
spec:
  activeDeadlineSeconds: 600   # the sync fails after 10 minutes instead of hanging
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers: [{name: register, image: ghcr.io/acme/mlflow-register:1.2.0}]
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import JsonPath, Rule, Scope, Violation

HOOK = "argocd.argoproj.io/hook"
# gitops-engine pkg/sync/common/types.go NewHookType, argo-cd controller/hook.go
RUNNING_HOOKS = frozenset({"PreSync", "Sync", "PostSync", "SyncFail", "PreDelete", "PostDelete"})


def _hook_types(obj: RenderedObject) -> list[str]:
    text = obj.annotations.get(HOOK)
    if not isinstance(text, str):
        return []
    return [t.strip() for t in text.split(",") if t.strip() in RUNNING_HOOKS]


def _deadline_paths(obj: RenderedObject) -> tuple[JsonPath, ...]:
    if obj.kind == "Pod":
        return (("spec", "activeDeadlineSeconds"),)
    return (
        ("spec", "activeDeadlineSeconds"),
        ("spec", "template", "spec", "activeDeadlineSeconds"),
    )


def _has(data: dict[str, Any], path: JsonPath) -> bool:
    node: Any = data
    for part in path:
        node = workloads.as_dict(node).get(str(part))
    return isinstance(node, int) and not isinstance(node, bool) and node > 0


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.key.group not in ("", "batch"):
        return
    hooks = _hook_types(obj)
    if not hooks or any(_has(obj.data, p) for p in _deadline_paths(obj)):
        return
    yield Violation(
        message=f"{', '.join(hooks)} hook {obj.kind} '{obj.name}' has no activeDeadlineSeconds: "
        "if it hangs, the Argo CD sync waits for it forever",
        path=("metadata", "annotations", HOOK),
    )


RULE = Rule(
    id="argocd-hook-unbounded",
    scope=Scope.OBJECT,
    severity=Severity.WARNING,
    summary="an Argo CD hook Job or Pod has no activeDeadlineSeconds",
    remediation="Set spec.activeDeadlineSeconds on the hook so a hung hook fails the sync.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"Job", "Pod"}),
)
