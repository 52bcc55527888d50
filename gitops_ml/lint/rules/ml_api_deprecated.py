"""ml-api-deprecated: an ML API version or setting its project has replaced.

## What it does
Reports custom resources and settings of the ML stack that upstream has
deprecated or removed, independent of the Kubernetes version:

| what | instead | level |
|---|---|---|
| `inference.networking.x-k8s.io/v1alpha2` InferencePool | `inference.networking.k8s.io/v1` | warning |
| InferenceModel (any version) | removed from the Gateway API Inference Extension; InferenceObjective, now in llm-d's `llm-d.ai` group | warning |
| `inference.networking.x-k8s.io` InferenceObjective | `llm-d.ai` InferenceObjective | warning |
| `serving.kserve.io/v1alpha1` LLMInferenceService(Config) | `serving.kserve.io/v1alpha2` (the storage version) | warning |
| `ray.io/v1alpha1` RayCluster, RayJob, RayService | `ray.io/v1` | warning |
| `serving.kserve.io/deploymentMode: RawDeployment` / `Serverless` | `Standard` / `Knative` (KServe normalises the old names, `ParseDeploymentMode` in `pkg/constants/constants.go`) | info |
| Kubeflow Training Operator v1 jobs (`kubeflow.org/v1` PyTorchJob, TFJob, MPIJob, XGBoostJob, JAXJob, PaddleJob) | Kubeflow Trainer v2 TrainJob (the v1 operator lives on only as the `release-1.9` branch) | info |

Warnings are reported for each object. An info is about a name that still
works, so it is said once per run for each kind or mode name, at its first
object, with the number of objects.

## Why is this bad?
An API that its project dropped stops syncing at the next operator upgrade:
the CRD version is no longer served, the GitOps controller reports the
application degraded, and the model's serving or retraining stops with it.

## Example
```yaml
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferencePool
```

## Use instead
```yaml
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import JsonPath, Rule, Scope, Violation

_X_GROUP = "inference.networking.x-k8s.io"
_TRAINING_V1 = frozenset({"PyTorchJob", "TFJob", "MPIJob", "XGBoostJob", "JAXJob", "PaddleJob"})
# (apiVersion or group + "/*", kind) -> replacement
_REPLACED: dict[tuple[str, str], str] = {
    (f"{_X_GROUP}/v1alpha2", "InferencePool"): "inference.networking.k8s.io/v1 InferencePool",
    (f"{_X_GROUP}/*", "InferenceModel"): (
        "nothing: InferenceModel was removed; use InferenceObjective (llm-d.ai group)"
    ),
    (f"{_X_GROUP}/*", "InferenceObjective"): "the llm-d.ai InferenceObjective",
    ("serving.kserve.io/v1alpha1", "LLMInferenceService"): "serving.kserve.io/v1alpha2",
    ("serving.kserve.io/v1alpha1", "LLMInferenceServiceConfig"): "serving.kserve.io/v1alpha2",
    ("ray.io/v1alpha1", "RayCluster"): "ray.io/v1",
    ("ray.io/v1alpha1", "RayJob"): "ray.io/v1",
    ("ray.io/v1alpha1", "RayService"): "ray.io/v1",
}
MODE_ANNOTATION = "serving.kserve.io/deploymentMode"
_MODES = {"RawDeployment": "Standard", "Serverless": "Knative"}


def _notices(obj: RenderedObject) -> Iterator[tuple[str, str, JsonPath]]:
    """(what, message, path) of an object's info-level notices: a name KServe or Kubeflow
    has moved on from, which still works."""
    group = obj.key.api_version.split("/", 1)[0] if "/" in obj.key.api_version else ""
    mode = obj.annotations.get(MODE_ANNOTATION)
    if isinstance(mode, str) and mode in _MODES and group == "serving.kserve.io":
        yield (
            f"mode {mode}",
            f"deployment mode '{mode}' is KServe's old name for '{_MODES[mode]}'",
            ("metadata", "annotations", MODE_ANNOTATION),
        )
    if obj.key.api_version == "kubeflow.org/v1" and obj.kind in _TRAINING_V1:
        yield (
            f"kind {obj.kind}",
            f"{obj.kind} is a Kubeflow Training Operator v1 kind, maintained only on its "
            "release-1.9 branch; Kubeflow Trainer v2 (TrainJob) replaces it",
            ("kind",),
        )


def check(
    ctx: LintContext, subject: LintContext, options: Mapping[str, Any]
) -> Iterator[Violation]:
    notices: dict[str, tuple[str, JsonPath, list[RenderedObject]]] = {}
    for obj in ctx.objects():
        api = obj.key.api_version
        group = api.split("/", 1)[0] if "/" in api else ""
        replacement = _REPLACED.get((api, obj.kind)) or _REPLACED.get((f"{group}/*", obj.kind))
        if replacement:
            yield Violation(
                message=f"{api} {obj.kind} is deprecated upstream; use {replacement}",
                obj=obj,
                path=("apiVersion",),
            )
        for what, message, path in _notices(obj):
            notices.setdefault(what, (message, path, []))[2].append(obj)
    # a notice about a name that still works is said once, not once per object
    for message, path, objects in notices.values():
        more = f" ({len(objects)} objects)" if len(objects) > 1 else ""
        yield Violation(message=message + more, obj=objects[0], path=path, severity=Severity.INFO)


RULE = Rule(
    id="ml-api-deprecated",
    scope=Scope.REPOSITORY,
    severity=Severity.WARNING,
    summary="an ML API version, kind or setting that its project has replaced",
    remediation="Move to the replacement the message names.",
    check=check,
    doc=__doc__ or "",
)
