"""serving-ha: a production model server that does not survive a node drain.

## What it does
In prod-tier environments, for each overlay, and for model servers only:

* a Deployment that serves a model with fewer than 2 replicas:
  `spec.replicas` (default 1), or the `minReplicas` (default 1) of a
  HorizontalPodAutoscaler of the overlay that targets it;
* a Deployment that serves a model with no PodDisruptionBudget in the same
  overlay and namespace whose selector matches its pod labels;
* a KServe InferenceService whose `spec.predictor.minReplicas` is below 2
  (KServe defaults it to 1; 0 means scale to zero);
* a KServe ModelMesh InferenceService (`serving.kserve.io/deploymentMode:
  ModelMesh`): its predictor's `minReplicas` does not apply; the
  ServingRuntime named by `predictor.model.runtime`, when it is in the
  render, is reported if its `spec.replicas` is below 2 (unset means
  ModelMesh's `podsPerRuntime`, 2 by default, in modelmesh-serving
  `config/default/config-defaults.yaml`);
* a KServe LLMInferenceService whose `spec.replicas`, or
  `spec.scaling.minReplicas` (default 1), is below 2; when neither is set
  and `baseRefs` name configurations, those decide and nothing is reported.

A Deployment serves a model when the object itself says so, strongest
evidence first: a serving label on it or its pods (`serving.kserve.io/*`,
`seldon.io/*`, `seldon-deployment-id`, `modelmesh*`, or
`app.kubernetes.io/component` / `component` set to `serving`,
`model-serving`, `model-server`, `inference`, `inference-server` or
`predictor`; gitops-ml's own scaffolding writes `serving`); or a container
with a known model-server image (vLLM, Triton, TorchServe, TensorFlow
Serving, MLServer, OpenVINO Model Server, Hugging Face TGI and TEI, SGLang,
Ollama, llama.cpp, LMDeploy, LocalAI, TensorRT-LLM, NVIDIA NIM, KServe's
model servers) or one listed in `modelServerImages`, a model-server command
(`vllm serve`, `tritonserver`, `tensorflow_model_server`, `torchserve`,
`mlserver start`, `text-generation-launcher`, `mlflow models serve`, ...), a
flag naming the model to load (`--model`, `--model-repository`,
`--model_base_path`, `--served-model-name`, ...), an env variable naming it
(`MODEL_URI`, `MODEL_PATH`, `MODEL_ID`, `STORAGE_URI`, ...), or a container
port whose name says inference or predict. A Deployment with a port or a
Service is not enough: databases, object stores and dashboards serve too,
and asking a Postgres with `strategy: Recreate` and a ReadWriteOnce volume
for a second replica would break it. The finding names the evidence.

## Why is this bad?
A node upgrade or a spot reclaim drains the only replica: the model endpoint
returns 503 until a new pod has pulled a multi-gigabyte image and loaded the
weights, often minutes for an LLM. Without a PodDisruptionBudget, a drain
evicts every replica at once.

## Example
```yaml
kind: Deployment
spec:
  replicas: 1
```

## Use instead
```yaml
kind: Deployment
spec:
  replicas: 2
---
apiVersion: policy/v1
kind: PodDisruptionBudget
spec:
  minAvailable: 1
  selector: {matchLabels: {app: ranker}}
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject, RenderedOverlay
from gitops_ml.lint.rule import Option, OptionType, Rule, Scope, Violation


def selector_matches(selector: Any, labels: dict[str, Any]) -> bool:
    """A LabelSelector against labels; an empty or missing selector matches nothing here."""
    selector = workloads.as_dict(selector)
    match_labels = workloads.as_dict(selector.get("matchLabels"))
    expressions = selector.get("matchExpressions")
    expressions = expressions if isinstance(expressions, list) else []
    if not match_labels and not expressions:
        return False
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    for e in expressions:
        e = workloads.as_dict(e)
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }.get(str(op), False)
        if not ok:
            return False
    return True


def _pod_labels(obj: RenderedObject) -> dict[str, Any]:
    template = workloads.as_dict(obj.spec.get("template"))
    return workloads.as_dict(workloads.as_dict(template.get("metadata")).get("labels"))


def _min_replicas(
    obj: RenderedObject, hpas: list[RenderedObject]
) -> tuple[int, tuple[Any, ...], RenderedObject]:
    for hpa in hpas:
        target = workloads.as_dict(hpa.spec.get("scaleTargetRef"))
        if (
            target.get("kind") == obj.kind
            and target.get("name") == obj.name
            and hpa.key.namespace == obj.key.namespace
        ):
            value = hpa.spec.get("minReplicas", 1)
            return (value if isinstance(value, int) else 1), ("spec", "minReplicas"), hpa
    value = obj.spec.get("replicas", 1)
    return (value if isinstance(value, int) else 1), ("spec", "replicas"), obj


def _deployment(
    obj: RenderedObject, by_kind: dict[str, list[RenderedObject]], images: tuple[str, ...]
) -> Iterator[Violation]:
    evidence = workloads.model_server_evidence(obj.data, images)
    if evidence is None:
        return
    count, path, where = _min_replicas(obj, by_kind.get("HorizontalPodAutoscaler", []))
    if count < 2:
        source = "HorizontalPodAutoscaler minReplicas" if where is not obj else "replicas"
        yield Violation(
            message=f"model server Deployment '{obj.name}' ({evidence}) runs {count} replica "
            f"({source}); a node drain takes the model offline",
            obj=where,
            path=path if (where is not obj or "replicas" in obj.spec) else ("spec",),
        )
    labels = _pod_labels(obj)
    pdbs = by_kind.get("PodDisruptionBudget", [])
    if not any(
        p.key.namespace == obj.key.namespace and selector_matches(p.spec.get("selector"), labels)
        for p in pdbs
    ):
        yield Violation(
            message=f"model server Deployment '{obj.name}' ({evidence}) has no "
            "PodDisruptionBudget selecting its pods",
            obj=obj,
            path=("metadata", "name"),
        )


def _inference_service(obj: RenderedObject) -> Iterator[Violation]:
    predictor = workloads.as_dict(obj.spec.get("predictor"))
    value = predictor.get("minReplicas", 1)
    count = value if isinstance(value, int) else 1
    if count < 2:
        yield Violation(
            message=f"InferenceService '{obj.name}' predictor minReplicas is {count}"
            f"{' (KServe default)' if 'minReplicas' not in predictor else ''}; "
            f"a node drain takes the model offline",
            obj=obj,
            path=("spec", "predictor", "minReplicas")
            if "minReplicas" in predictor
            else ("spec", "predictor"),
        )


def _modelmesh_runtime(
    overlay: RenderedOverlay, runtime: dict[str, Any], isvc: RenderedObject
) -> Iterator[Violation]:
    value = (
        runtime.get("spec", {}).get("replicas") if isinstance(runtime.get("spec"), dict) else None
    )
    if not isinstance(value, int) or isinstance(value, bool) or value >= 2:
        return  # unset: ModelMesh's podsPerRuntime, 2 by default
    obj = next(o for o in overlay.objects if o.data is runtime)
    yield Violation(
        message=f"{obj.kind} '{obj.name}' runs {value} replica for ModelMesh "
        f"InferenceService '{isvc.name}' and the other models it serves; "
        "a node drain takes them offline",
        obj=obj,
        path=("spec", "replicas"),
    )


def _llm_inference_service(obj: RenderedObject) -> Iterator[Violation]:
    spec = obj.spec
    scaling = spec.get("scaling")
    path: tuple[str, ...]
    if "replicas" in spec:
        value, path, source = spec["replicas"], ("spec", "replicas"), "replicas"
    elif isinstance(scaling, dict):
        value = scaling.get("minReplicas", 1)
        path = (
            ("spec", "scaling", "minReplicas") if "minReplicas" in scaling else ("spec", "scaling")
        )
        source = "scaling minReplicas"
    elif spec.get("baseRefs"):
        return  # the referenced LLMInferenceServiceConfigs may set the count
    else:
        value, path, source = 1, ("spec",), "replicas unset"
    count = value if isinstance(value, int) and not isinstance(value, bool) else 1
    if count < 2:
        yield Violation(
            message=f"LLMInferenceService '{obj.name}' runs {count} replica ({source}); "
            "a node drain takes the model offline",
            obj=obj,
            path=path,
        )


def check(
    ctx: LintContext, overlay: RenderedOverlay, options: Mapping[str, Any]
) -> Iterator[Violation]:
    if ctx.tier(overlay.environment) != "prod":
        return
    images = tuple(options["modelServerImages"])
    by_kind: dict[str, list[RenderedObject]] = {}
    for obj in overlay.objects:
        by_kind.setdefault(obj.kind, []).append(obj)
    for obj in by_kind.get("Deployment", []):
        yield from _deployment(obj, by_kind, images)
    runtimes: list[dict[str, Any]] = []
    for obj in by_kind.get("InferenceService", []):
        if not workloads.is_modelmesh(obj.data):
            yield from _inference_service(obj)
            continue
        runtime = workloads.modelmesh_runtime(obj.data, (o.data for o in overlay.objects))
        if runtime is not None and not any(r is runtime for r in runtimes):
            runtimes.append(runtime)
            yield from _modelmesh_runtime(overlay, runtime, obj)
    for obj in by_kind.get("LLMInferenceService", []):
        if obj.key.group == "serving.kserve.io":
            yield from _llm_inference_service(obj)


RULE = Rule(
    id="serving-ha",
    scope=Scope.OVERLAY,
    severity=Severity.WARNING,
    summary="a production model server has one replica or no PodDisruptionBudget",
    remediation="Run at least 2 replicas (minReplicas: 2) and add a PodDisruptionBudget.",
    check=check,
    doc=__doc__ or "",
    options=(
        Option(
            "modelServerImages",
            OptionType.STRINGS,
            (),
            "more images whose Deployments serve a model (globs on the image without its tag)",
        ),
    ),
)
