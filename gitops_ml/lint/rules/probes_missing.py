"""probes-missing: a serving container in a Deployment or StatefulSet without a readinessProbe.

## What it does
Reports the containers of a Deployment or StatefulSet that declare a
container port but have no `readinessProbe`. A container with a port is what
we call serving: the rule looks at one object at a time, so it cannot see the
Service that selects it, and a port is what a Service would route to. KServe
predictors are never reported: KServe (or Knative) adds the probes.

## Why is this bad?
Without a readiness probe a model server receives traffic as soon as its
process starts, while it is still downloading weights or compiling CUDA
kernels: clients get connection errors or timeouts at every rollout and every
scale-up, and a rollout of a broken model completes because nothing says it
is not ready.

## Example
```yaml
containers:
  - name: server
    image: registry.acme.io/llm-server:1.4.2
    ports: [{containerPort: 8080}]
```

## Use instead
```yaml
containers:
  - name: server
    image: registry.acme.io/llm-server:1.4.2
    ports: [{containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /health, port: 8080}
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    for c in workloads.containers(obj.data, init=False):
        ports = c.container.get("ports")
        if isinstance(ports, list) and ports and not c.container.get("readinessProbe"):
            yield Violation(
                message=f"serving container '{c.name}' has a port but no readinessProbe",
                path=c.path,
            )


RULE = Rule(
    id="probes-missing",
    scope=Scope.OBJECT,
    severity=Severity.WARNING,
    summary="a serving container has no readinessProbe",
    remediation="Add a readinessProbe that succeeds only once the model is loaded.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"Deployment", "StatefulSet"}),
)
