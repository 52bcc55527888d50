"""startup-probe-missing: a GPU model server whose liveness probe can kill it before the model loads.

## What it does
Checks containers that request a GPU in Deployments, StatefulSets,
LeaderWorkerSets (leader and worker templates), KServe InferenceService
components with their own `containers` and ServingRuntimes. When such a
container has a `livenessProbe` but no `startupProbe`, the time the liveness
probe allows before the first restart (`initialDelaySeconds + failureThreshold
x periodSeconds`, with Kubernetes' defaults 0, 3 and 10) must be at least
`minStartupSeconds`.

Not checked: a container without a liveness probe (nothing restarts it while
it loads; `probes-missing` asks for readiness), KServe model-format
predictors (`predictor.model`, `predictor.pytorch`...: their probes come from
the ServingRuntime, which is checked where the repository renders it) and
LLMInferenceService (KServe's default preset
`config/llmisvcconfig/config-llm-template.yaml`, merged into every
LLMInferenceService, gives the `main` container a startupProbe).

## Why is this bad?
A model server on a GPU spends minutes before it answers: pulling weights,
loading them into GPU memory, compiling CUDA graphs. The kubelet runs the
liveness probe from the start; once `initialDelaySeconds + failureThreshold x
periodSeconds` have passed without an answer it kills the container, which
then loads the model again and is killed again: a CrashLoopBackOff that holds
a GPU and never serves. A startupProbe holds the liveness probe back until the
server has started once.

## Example
```yaml
containers:
  - name: vllm
    image: vllm/vllm-openai:v0.11.0
    resources: {limits: {nvidia.com/gpu: 1}}
    livenessProbe:
      httpGet: {path: /health, port: 8000}
      periodSeconds: 10   # killed after 30 s of loading
```

## Use instead
```yaml
containers:
  - name: vllm
    image: vllm/vllm-openai:v0.11.0
    resources: {limits: {nvidia.com/gpu: 1}}
    startupProbe:
      httpGet: {path: /health, port: 8000}
      periodSeconds: 10
      failureThreshold: 90   # up to 15 minutes to load
    livenessProbe:
      httpGet: {path: /health, port: 8000}
      periodSeconds: 10
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Option, OptionType, Rule, Scope, Violation
from gitops_ml.lint.workloads import Container

_SERVERS = frozenset({"Deployment", "StatefulSet", "LeaderWorkerSet", "InferenceService"})
_PROBE_DEFAULTS = {"initialDelaySeconds": 0, "failureThreshold": 3, "periodSeconds": 10}


def probe_budget(probe: Mapping[str, Any]) -> int | None:
    """Seconds a probe allows before its first failure verdict; None when not numbers."""
    values: dict[str, int] = {}
    for key, default in _PROBE_DEFAULTS.items():
        value = probe.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        values[key] = value
    return values["initialDelaySeconds"] + values["failureThreshold"] * values["periodSeconds"]


def _candidates(obj: RenderedObject) -> Iterator[Container]:
    for c in workloads.containers(obj.data, init=False):
        if obj.kind == "InferenceService" and c.path[-2:-1] != ("containers",):
            continue  # a model-format predictor: its probes are the runtime's
        if workloads.gpu_resources(c.resources):
            yield c


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    minimum: int = options["minStartupSeconds"]
    for c in _candidates(obj):
        liveness = c.container.get("livenessProbe")
        if not isinstance(liveness, dict) or c.container.get("startupProbe"):
            continue
        budget = probe_budget(liveness)
        if budget is None or budget >= minimum:
            continue
        yield Violation(
            message=f"GPU server container '{c.name}' has a livenessProbe that restarts it "
            f"after {budget}s and no startupProbe; a model that loads longer never starts "
            f"(minStartupSeconds is {minimum})",
            path=(*c.path, "livenessProbe"),
        )


RULE = Rule(
    id="startup-probe-missing",
    scope=Scope.OBJECT,
    severity=Severity.WARNING,
    summary="a GPU model server's liveness probe can kill it before the model loads",
    remediation="Add a startupProbe whose failureThreshold x periodSeconds covers the model "
    "load, or lengthen the liveness probe.",
    check=check,
    doc=__doc__ or "",
    kinds=_SERVERS | workloads.SERVING_RUNTIME_KINDS,
    options=(
        Option(
            "minStartupSeconds",
            OptionType.INTEGER,
            600,
            "the loading time a liveness probe without a startupProbe must allow",
        ),
    ),
)
