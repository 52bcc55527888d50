"""canary-traffic-invalid: a KServe canary out of range, ignored, or rejected by the webhook.

## What it does
Checks `canaryTrafficPercent` of the predictor, transformer and explainer of
an InferenceService: a value outside 0..100 is an error; a value on an
InferenceService in Standard mode (annotation
`serving.kserve.io/deploymentMode: Standard` or the older `RawDeployment`)
is a warning, since that field is the Serverless (Knative) revision split and
is ignored otherwise: canaries in Standard mode are `spec.canary` (KServe
v0.20). A cluster whose default mode is Standard cannot be seen from the
repository.

Checks `spec.canary` as KServe's webhook does
(`pkg/apis/serving/v1beta1/inference_service_validation.go`
`validateCanarySpecs`): the InferenceService must be in Standard mode (an
error for another mode; a warning when the annotation is absent and the
cluster's default decides), the stable predictor must serve a model (not only
a custom container); each canary needs a `predictor.name`, unique, other than
the stable predictor's `name`; `trafficPercent` is 0..100 and the sum over
canaries at most 100; a canary predictor sets no `workerSpec`, `maxReplicas`,
`scaleTarget`, `scaleMetric` or `autoScaling` (canaries use fixed replicas),
and its `minReplicas` does not exceed the stable predictor's (1 when unset).

## Why is this bad?
The team believes 10% of traffic goes to the new model while 100% of it does:
a regression in the new model reaches every user at once, and there is no
previous revision to roll back to.

## Example
```yaml
metadata:
  annotations: {serving.kserve.io/deploymentMode: RawDeployment}
spec:
  predictor:
    canaryTrafficPercent: 10
```

## Use instead
In Standard mode, a `spec.canary` entry (KServe v0.20):
```yaml
metadata:
  annotations: {serving.kserve.io/deploymentMode: Standard}
spec:
  predictor:
    model: {modelFormat: {name: sklearn}, storageUri: gs://models/iris/v1}
  canary:
    - trafficPercent: 10
      predictor:
        name: v2
        model: {modelFormat: {name: sklearn}, storageUri: gs://models/iris/v2}
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.lint.workloads import KSERVE_COMPONENTS, MODEL_FORMATS

RAW_MODES = frozenset({"RawDeployment", "Standard"})
_FIXED_REPLICAS = ("workerSpec", "maxReplicas", "scaleTarget", "scaleMetric", "autoScaling")
MODE_ANNOTATION = "serving.kserve.io/deploymentMode"


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    mode = str(obj.annotations.get(MODE_ANNOTATION) or "")
    for component in KSERVE_COMPONENTS:
        spec = obj.spec.get(component)
        if not isinstance(spec, dict) or "canaryTrafficPercent" not in spec:
            continue
        value = spec["canaryTrafficPercent"]
        path = ("spec", component, "canaryTrafficPercent")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            yield Violation(
                message=f"{component} canaryTrafficPercent {value!r} is not 0..100", path=path
            )
        elif mode in RAW_MODES:
            yield Violation(
                message=f"{component} canaryTrafficPercent is ignored in {mode} mode (it splits "
                f"Knative revisions); in Standard mode a canary is a spec.canary entry",
                path=path,
                severity=Severity.WARNING,
            )

    canaries = obj.spec.get("canary")
    if isinstance(canaries, list) and canaries:
        yield from _canaries(obj, mode, canaries)


def _canaries(obj: RenderedObject, mode: str, canaries: list[Any]) -> Iterator[Violation]:
    """KServe ``validateCanarySpecs``, every failure rather than the first."""
    where = ("spec", "canary")
    if mode and mode not in RAW_MODES:
        yield Violation(message=f"spec.canary works only in Standard mode, not {mode}", path=where)
    elif not mode:
        yield Violation(
            message="spec.canary works only in Standard mode, and this InferenceService does "
            f"not set {MODE_ANNOTATION}: the cluster's default mode decides",
            path=where,
            severity=Severity.WARNING,
        )
    stable = obj.spec.get("predictor")
    stable = stable if isinstance(stable, dict) else {}
    if not _serves_model(stable):
        yield Violation(
            message="spec.canary needs a stable predictor that serves a model (model or a "
            "framework with storageUri), not only a custom container",
            path=where,
        )
    stable_min = stable.get("minReplicas", 1)
    names: set[str] = set()
    total = 0
    for i, canary in enumerate(canaries):
        if not isinstance(canary, dict):
            continue
        predictor = canary.get("predictor")
        predictor = predictor if isinstance(predictor, dict) else {}
        path = (*where, i)
        name = predictor.get("name")
        if not name:
            yield Violation(message=f"canary[{i}] has no predictor.name", path=(*path, "predictor"))
        elif name in names:
            yield Violation(
                message=f"canary predictor.name '{name}' is used twice",
                path=(*path, "predictor", "name"),
            )
        elif name == stable.get("name"):
            yield Violation(
                message=f"canary predictor.name '{name}' is the stable predictor's name",
                path=(*path, "predictor", "name"),
            )
        names.add(str(name or ""))
        traffic = canary.get("trafficPercent")
        if isinstance(traffic, int) and not isinstance(traffic, bool):
            if not 0 <= traffic <= 100:
                yield Violation(
                    message=f"canary trafficPercent {traffic} is not 0..100",
                    path=(*path, "trafficPercent"),
                )
            total += traffic
        for key in _FIXED_REPLICAS:
            if predictor.get(key) is not None and not (key == "maxReplicas" and not predictor[key]):
                yield Violation(
                    message=f"a canary predictor must not set {key} (canaries use fixed replicas)",
                    path=(*path, "predictor", key),
                )
        low = predictor.get("minReplicas")
        if isinstance(low, int) and isinstance(stable_min, int) and low > stable_min:
            yield Violation(
                message=f"canary minReplicas {low} exceeds the stable predictor's {stable_min}",
                path=(*path, "predictor", "minReplicas"),
            )
    if total > 100:
        yield Violation(
            message=f"canary trafficPercent values sum to {total}, over 100", path=where
        )


def _serves_model(predictor: Mapping[str, Any]) -> bool:
    if isinstance(predictor.get("model"), dict):
        return True
    return any(
        isinstance(predictor.get(f), dict) and predictor[f].get("storageUri") for f in MODEL_FORMATS
    )


RULE = Rule(
    id="canary-traffic-invalid",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a KServe canary is out of range, ignored by the deployment mode, "
    "or rejected by the KServe webhook",
    remediation="Use canaryTrafficPercent (0..100) in Knative mode, spec.canary in Standard mode.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"InferenceService"}),
)
