"""trainjob-patch-invalid: a TrainJob `runtimePatches` entry that the Trainer webhook rejects.

## What it does
Ports the checks of `runtimePatches` that the TrainJob alone decides, from
kubeflow/trainer `pkg/runtime/framework/plugins/jobset/jobset.go`
`JobSet.Validate`:

* `manager` is a domain-prefixed path such as `kueue.x-k8s.io/manager`
  (`validation.IsDomainPrefixedPath`: a DNS-1123 subdomain, `/`, a path);
* a patched container named `node`, `dataset-initializer` or
  `model-initializer` sets no `env` (the Trainer owns those containers'
  environment).

Patches that name a replicated job or container the runtime lacks need the
runtime and are not checked here.

## Why is this bad?
The webhook refuses the TrainJob when it is applied: the run never starts.

## Example
```yaml
spec:
  runtimePatches:
    - manager: my-team
      trainingRuntimeSpec:
        template:
          spec:
            replicatedJobs:
              - name: node
                template:
                  spec:
                    template:
                      spec:
                        containers:
                          - name: node
                            env: [{name: LR, value: "0.1"}]
```

## Use instead
```yaml
    - manager: acme.io/my-team
```
and `spec.trainer.env` for the trainer's environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_HTTP_PATH = re.compile(r"[A-Za-z0-9/\-._~%!\$&'()*+,;=:]+")
_OWNED = frozenset({"node", "dataset-initializer", "model-initializer"})


def is_domain_prefixed_path(value: str) -> bool:
    """``k8s.io/apimachinery/pkg/util/validation.IsDomainPrefixedPath``."""
    host, sep, path = value.partition("/")
    if not sep or not host or not path:
        return False
    return (
        len(host) <= 253 and bool(_SUBDOMAIN.fullmatch(host)) and bool(_HTTP_PATH.fullmatch(path))
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    for i, patch in enumerate(_list(obj.spec.get("runtimePatches"))):
        patch = _dict(patch)
        base = ("spec", "runtimePatches", i)
        manager = patch.get("manager")
        if isinstance(manager, str) and manager and not is_domain_prefixed_path(manager):
            yield Violation(
                message=f"runtimePatches manager '{manager}' must be a domain-prefixed path "
                "(such as acme.io/foo)",
                path=(*base, "manager"),
            )
        spec = _dict(_dict(_dict(patch.get("trainingRuntimeSpec")).get("template")).get("spec"))
        for j, job in enumerate(_list(spec.get("replicatedJobs"))):
            pod = _dict(_dict(_dict(_dict(job).get("template")).get("spec")).get("template"))
            containers = _list(_dict(pod.get("spec")).get("containers"))
            for k, container in enumerate(containers):
                container = _dict(container)
                if container.get("name") in _OWNED and container.get("env"):
                    yield Violation(
                        message=f"runtimePatches must not set env on the {container['name']} "
                        "container (use spec.trainer.env)",
                        path=(
                            *base,
                            "trainingRuntimeSpec",
                            "template",
                            "spec",
                            "replicatedJobs",
                            j,
                            "template",
                            "spec",
                            "template",
                            "spec",
                            "containers",
                            k,
                            "env",
                        ),
                    )


RULE = Rule(
    id="trainjob-patch-invalid",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a TrainJob runtimePatches entry is rejected by the Trainer webhook",
    remediation="Name the manager as domain/path and set the trainer's env in spec.trainer.env.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"TrainJob"}),
)
