"""kserve-invalid: an InferenceService the KServe admission webhook rejects.

## What it does
Ports the checks of KServe's validating webhook that the object alone
decides (`pkg/apis/serving/v1beta1/inference_service_validation.go`,
`component.go`, `predictor.go`, `predictor_custom.go`, `transformer.go`,
`explainer.go`, `pkg/validation/env_policy.go`):

* the name matches `[a-z]([-a-z0-9]*[a-z0-9])?` (`validateInferenceServiceName`);
  and `<name>-<component>` fits a 63-character DNS label (not in the
  webhook: the Knative Service or host name KServe derives from it fails);
* `serving.kserve.io/deploymentMode` is `Standard`, `RawDeployment`,
  `Knative`, `Serverless` or `ModelMesh` (not in the webhook: KServe
  ignores any other value and uses the cluster default mode);
  `serving.kserve.io/autoscalerClass` is `hpa`, `keda`, `external` or
  `none` (`validateInferenceServiceAutoscaler`);
  `serving.kserve.io/gpu-resource-types` is a JSON array of non-empty
  strings (`utils.UpdateGPUResourceTypeListByAnnotation`);
* each of predictor, transformer and explainer has exactly one
  implementation: one model format or custom `containers` (a predictor
  with a model format may add containers, but none named
  `kserve-container`) (`validateExactlyOneImplementation`);
* `minReplicas` and `maxReplicas` are not negative, `minReplicas` (1 when
  unset) is not above a non-zero `maxReplicas`, `containerConcurrency` is
  not negative, `logger.mode` is `all`, `request` or `response`
  (`ComponentExtensionSpec.Validate`);
* autoscaling per mode and class (`validateAutoScalingCompExtension`): in
  `Standard`/`RawDeployment` mode with the annotation `autoscalerClass: hpa`,
  `scaleMetric` is `cpu` or `memory`, a cpu `scaleTarget` is 1..100, a
  memory one at least 1, and `autoScaling.metrics` are of type `Resource`;
  with class `keda`, no `scaleMetric`, and every `autoScaling.metrics`
  entry well formed (cpu targets `Utilization`, memory `AverageValue` or
  `Utilization`, a memory `AverageValue` of at least 1Mi, external and pod metrics with a query and a target value,
  a `Utilization` target with `averageUtilization` 1..100); in
  `Knative`/`Serverless` mode, the Knative HPA class gets the HPA checks,
  otherwise `scaleMetric` is `concurrency` or `rps`, an rps `scaleTarget`
  is at least 1, and no `deploymentStrategy` is set;
* in `Standard`/`RawDeployment` mode with no `autoscalerClass` annotation
  the webhook checks nothing (its switch has no default case), but the
  controller uses the hpa class (`getAutoscalerClass` in
  `reconcilers/autoscaler/autoscaler_reconciler.go`) and builds the HPA from
  what it understands (`getHPAMetrics` in `reconcilers/hpa/hpa_reconciler.go`):
  a warning, not an error, says what happens to a `scaleMetric` other than
  cpu or memory (ignored; Kubernetes' default of 80% cpu applies), a
  `scaleTarget` below 1 (an HPA the API server rejects) or a cpu one above
  100, and a non-`Resource` `autoScaling.metrics` entry (ignored);
* a model-format predictor has no `name` (`validatePredictor`);
* no container sets `PYTHONPATH` (`validateBlockedEnvVars`);
* a custom predictor's `PROTOCOL` env is `v1` or `v2` (`validateCustomProtocol`);
* a collocated `transformer-container` sets no `STORAGE_URI`
  (`validateCollocationStorageURI`);
* `storageUri` and `storageUris` are not both set; each `storageUris`
  entry has a uri and an absolute `mountPath` other than `/` without `..`;
  when more than one is not a PVC, the non-PVC mount paths have a common
  prefix below `/` (the paths themselves, segment by segment: `/models/a`
  and `/models` share `/models`; `utils.FindCommonParentPath` in
  `pkg/utils/storage.go`) and PVC mount paths are unique
  (`validateMultipleStorageURIs`, `validateMultipleStorageURIsSpec`);
* multi-node (`workerSpec`, `validateMultiNodeVariables`): at most one
  worker container; `pipelineParallelSize` and `tensorParallelSize` at least
  1; with `predictor.model`, no `PIPELINE_PARALLEL_SIZE` or
  `TENSOR_PARALLEL_SIZE` env, a `pvc://` or `oci://` `storageUri`, and the
  annotation `serving.kserve.io/autoscalerClass: none`;
* `confidential.enabled` needs a `storageUri`, and `confidential.resourceId`
  reads `kbs:///<repo>/<type>/<tag>` (`validateConfidential`).

Not ported: the GPU resource type check of multi-node (the cluster's
`inferenceservice-config` can add types), the update-only rule that the
deployment mode cannot change (needs the live object), and the checks that
depend on the cluster's default deployment mode: the autoscaling checks run
only when the annotation names the mode. `RawDeployment` and `Serverless`
get the checks of `Standard` and `Knative`: the mutating webhook renames
them before validation (`DefaultInferenceService` in
`inference_service_defaults.go`). The cpu `scaleTarget` bound is not
applied to memory.

## Why is this bad?
Argo CD or Flux applies the InferenceService and the webhook refuses it:
the new model version never rolls out while the old one keeps serving, and
the only trace is a sync error. The checks that are not the webhook's fail
later and more quietly: a model that never gets a hostname, or one served
in the wrong mode.

## Example
```yaml
metadata:
  name: Fraud_Model
spec:
  predictor:
    minReplicas: 4
    maxReplicas: 2
    sklearn: {storageUri: s3://models/fraud/v3}
    containers: [{name: kserve-container, image: acme/fraud:1.0}]
```

## Use instead
```yaml
metadata:
  name: fraud-model
spec:
  predictor:
    minReplicas: 2
    maxReplicas: 4
    sklearn: {storageUri: s3://models/fraud/v3}
```
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.cel import parse_quantity
from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import JsonPath, Rule, Scope, Violation
from gitops_ml.lint.workloads import EXPLAINER_FORMATS, KSERVE_COMPONENTS, MODEL_FORMATS

_NAME = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_KBS = re.compile(r"kbs:///[a-zA-Z0-9_-]+/[a-zA-Z0-9_-]+/[a-zA-Z0-9_.-]+")
MODE = "serving.kserve.io/deploymentMode"
CLASS = "serving.kserve.io/autoscalerClass"
GPU_TYPES = "serving.kserve.io/gpu-resource-types"
KNATIVE_CLASS = "autoscaling.knative.dev/class"
KNATIVE_HPA = "hpa.autoscaling.knative.dev"
RAW_MODES = ("Standard", "RawDeployment")
KNATIVE_MODES = ("Knative", "Serverless")
MODES = (*RAW_MODES, *KNATIVE_MODES, "ModelMesh")
CLASSES = ("hpa", "keda", "external", "none")
LOGGER_MODES = ("all", "request", "response")
BLOCKED_ENV = ("PYTHONPATH",)
PREDICTOR_CONTAINER = "kserve-container"
TRANSFORMER_CONTAINER = "transformer-container"
_FORMATS = {"predictor": MODEL_FORMATS, "transformer": (), "explainer": EXPLAINER_FORMATS}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _env(container: dict[str, Any]) -> Iterator[tuple[int, str, Any]]:
    for i, env in enumerate(workloads.as_list(container.get("env"))):
        if isinstance(env, dict):
            yield i, str(env.get("name") or ""), env.get("value")


# -- metadata ---------------------------------------------------------------------


def _metadata(obj: RenderedObject) -> Iterator[Violation]:
    name = obj.name
    where: JsonPath = ("metadata", "name")
    if not _NAME.fullmatch(name):
        yield Violation(
            message=f"InferenceService name {name!r} must be lower case alphanumerics or '-' "
            "and start with a letter",
            path=where,
        )
    for component in KSERVE_COMPONENTS:
        label = f"{name}-{component}"
        if isinstance(obj.spec.get(component), dict) and len(label) > 63:
            yield Violation(
                message=f"InferenceService name {name!r} is too long: the {component} host name "
                f"{label!r} has {len(label)} characters, more than a DNS label's 63",
                path=where,
            )
            break
    annotations = obj.annotations
    for key, allowed in ((MODE, MODES), (CLASS, CLASSES)):
        if key in annotations and annotations[key] not in allowed:
            yield Violation(
                message=f"annotation {key} is {annotations[key]!r}, not one of "
                f"{', '.join(allowed)}",
                path=("metadata", "annotations", key),
            )
    if GPU_TYPES in annotations and not _gpu_types_ok(annotations[GPU_TYPES]):
        yield Violation(
            message=f"annotation {GPU_TYPES} must be a JSON array of non-empty strings",
            path=("metadata", "annotations", GPU_TYPES),
        )


def _gpu_types_ok(text: Any) -> bool:
    try:
        value = json.loads(str(text))
    except ValueError:
        return False
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v for v in value)


# -- implementations --------------------------------------------------------------


def _formats(component: str, spec: dict[str, Any]) -> list[str]:
    return [f for f in _FORMATS[component] if isinstance(spec.get(f), dict)]


def _containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in workloads.as_list(spec.get("containers")) if isinstance(c, dict)]


def _implementations(component: str, spec: dict[str, Any]) -> list[str]:
    found = _formats(component, spec)
    containers = _containers(spec)
    if component == "predictor" and containers:
        if any(c.get("name") == PREDICTOR_CONTAINER for c in containers) or not found:
            found.append("containers")
    elif containers:
        found.append("containers")
    return found


def _storage_uri(component: str, spec: dict[str, Any]) -> tuple[JsonPath, Any] | None:
    """Where the component's one implementation keeps its storage URI, if it has one."""
    for f in _formats(component, spec):
        if spec[f].get("storageUri") not in (None, ""):
            return (f, "storageUri"), spec[f]["storageUri"]
        return None
    for i, container in enumerate(_containers(spec)):
        if container.get("name") == PREDICTOR_CONTAINER:
            for j, name, value in _env(container):
                if name == "STORAGE_URI":
                    return ("containers", i, "env", j), value
    return None


def _component(obj: RenderedObject, component: str, spec: dict[str, Any]) -> Iterator[Violation]:
    base: JsonPath = ("spec", component)
    found = _implementations(component, spec)
    if len(found) != 1:
        choices = ", ".join((*_FORMATS[component], "containers"))
        what = f"sets {len(found)} ({', '.join(found)})" if found else "sets none"
        yield Violation(
            message=f"{component} must set exactly one implementation of [{choices}]; it {what}",
            path=base,
        )
    yield from _extensions(component, spec, base)
    yield from _autoscaling(obj, component, spec, base)
    yield from _storage_uris(component, spec, base)
    for path, container in _all_containers(component, spec, base):
        for j, name, _value in _env(container):
            if name in BLOCKED_ENV:
                yield Violation(
                    message=f"{component} container '{container.get('name', path[-1])}' sets "
                    f"{name}, which KServe does not allow",
                    path=(*path, "env", j, "name"),
                )


def _all_containers(
    component: str, spec: dict[str, Any], base: JsonPath
) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    for key in ("containers", "initContainers"):
        for i, container in enumerate(workloads.as_list(spec.get(key))):
            if isinstance(container, dict):
                yield (*base, key, i), container
    for f in _formats(component, spec):
        yield (*base, f), spec[f]
    if component == "predictor":
        worker = workloads.as_dict(spec.get("workerSpec"))
        for key in ("containers", "initContainers"):
            for i, container in enumerate(workloads.as_list(worker.get(key))):
                if isinstance(container, dict):
                    yield (*base, "workerSpec", key, i), container


def _extensions(component: str, spec: dict[str, Any], base: JsonPath) -> Iterator[Violation]:
    low = _int(spec.get("minReplicas"))
    high = _int(spec.get("maxReplicas"))
    if low is not None and low < 0:
        yield Violation(
            message=f"{component} minReplicas {low} is negative", path=(*base, "minReplicas")
        )
    if high is not None and high < 0:
        yield Violation(
            message=f"{component} maxReplicas {high} is negative", path=(*base, "maxReplicas")
        )
    effective_low = 1 if low is None else low
    if high is not None and high > 0 and effective_low > high:
        where = "minReplicas" if low is not None else "maxReplicas"
        shown = low if low is not None else "1 (the default)"
        yield Violation(
            message=f"{component} minReplicas {shown} is greater than maxReplicas {high}",
            path=(*base, where),
        )
    concurrency = _int(spec.get("containerConcurrency"))
    if concurrency is not None and concurrency < 0:
        yield Violation(
            message=f"{component} containerConcurrency {concurrency} is negative",
            path=(*base, "containerConcurrency"),
        )
    logger = spec.get("logger")
    if isinstance(logger, dict) and "mode" in logger and logger["mode"] not in LOGGER_MODES:
        yield Violation(
            message=f"{component} logger mode {logger['mode']!r} is not one of "
            f"{', '.join(LOGGER_MODES)}",
            path=(*base, "logger", "mode"),
        )


# -- autoscaling ------------------------------------------------------------------


def _autoscaling(
    obj: RenderedObject, component: str, spec: dict[str, Any], base: JsonPath
) -> Iterator[Violation]:
    mode = obj.annotations.get(MODE)
    if mode in RAW_MODES:
        autoscaler = obj.annotations.get(CLASS)
        if autoscaler is None:
            yield from _default_hpa(component, spec, base, str(mode))
        elif autoscaler == "hpa":
            yield from _hpa(component, spec, base, f"{mode} mode with the hpa autoscaler")
        elif autoscaler == "keda":
            yield from _keda(component, spec, base)
    elif mode in KNATIVE_MODES:
        if obj.annotations.get(KNATIVE_CLASS) == KNATIVE_HPA:
            yield from _hpa(component, spec, base, f"{mode} mode with the Knative HPA class")
        else:
            yield from _kpa(component, spec, base, str(mode))


def _hpa(component: str, spec: dict[str, Any], base: JsonPath, how: str) -> Iterator[Violation]:
    metric = spec.get("scaleMetric", "cpu")
    if metric not in ("cpu", "memory"):
        yield Violation(
            message=f"{component} scaleMetric {metric!r} is not supported in {how} (cpu or memory)",
            path=(*base, "scaleMetric"),
        )
        return
    target = _int(spec.get("scaleTarget"))
    if target is not None and metric == "cpu" and not 1 <= target <= 100:
        yield Violation(
            message=f"{component} scaleTarget {target} for cpu is not a utilization "
            "percentage in 1..100",
            path=(*base, "scaleTarget"),
        )
    elif target is not None and metric == "memory" and target < 1:
        yield Violation(
            message=f"{component} scaleTarget {target} for memory is below 1 MiB",
            path=(*base, "scaleTarget"),
        )
    for i, entry in _metrics(spec):
        if entry.get("type") != "Resource":
            yield Violation(
                message=f"{component} autoScaling metric type {entry.get('type')!r} is not "
                f"supported in {how} (Resource only)",
                path=(*base, "autoScaling", "metrics", i, "type"),
            )
        elif not isinstance(entry.get("resource"), dict):
            yield Violation(
                message=f"{component} autoScaling metric of type Resource has no resource",
                path=(*base, "autoScaling", "metrics", i),
            )


def _default_hpa(
    component: str, spec: dict[str, Any], base: JsonPath, mode: str
) -> Iterator[Violation]:
    """No autoscalerClass: the webhook checks nothing, the controller builds an HPA anyway.

    What KServe's ``hpa_reconciler.go`` ``getHPAMetrics`` does with the fields
    the webhook would reject under ``autoscalerClass: hpa``; each is a warning.
    """
    how = f"in {mode} mode with no {CLASS} annotation the controller uses the hpa autoscaler"
    metric = spec.get("scaleMetric", "cpu")
    target = _int(spec.get("scaleTarget"))
    # with autoScaling set, the HPA is built from its metrics alone: scaleMetric is not read
    scale_fields = spec.get("autoScaling") is None
    if scale_fields and metric not in ("cpu", "memory"):
        yield Violation(
            message=f"{component} scaleMetric {metric!r} is ignored: {how}, which scales on "
            "cpu or memory only, so the HPA falls back to 80% cpu",
            path=(*base, "scaleMetric"),
            severity=Severity.WARNING,
        )
    elif scale_fields and target is not None and target < 1:
        yield Violation(
            message=f"{component} scaleTarget {target} becomes the HPA's averageUtilization: "
            f"{how}, and the API server rejects an HPA target below 1",
            path=(*base, "scaleTarget"),
            severity=Severity.WARNING,
        )
    elif scale_fields and target is not None and metric == "cpu" and target > 100:
        yield Violation(
            message=f"{component} scaleTarget {target} makes the HPA scale at {target}% of the "
            f"cpu request: {how}; the webhook rejects it once autoscalerClass: hpa is set",
            path=(*base, "scaleTarget"),
            severity=Severity.WARNING,
        )
    for i, entry in _metrics(spec):
        if entry.get("type") != "Resource" or not isinstance(entry.get("resource"), dict):
            yield Violation(
                message=f"{component} autoScaling metric of type {entry.get('type')!r} is "
                f"ignored: {how}, which reads Resource metrics only",
                path=(*base, "autoScaling", "metrics", i, "type"),
                severity=Severity.WARNING,
            )


def _metrics(spec: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    metrics = workloads.as_dict(spec.get("autoScaling")).get("metrics")
    for i, entry in enumerate(workloads.as_list(metrics)):
        if isinstance(entry, dict):
            yield i, entry


_KEDA_SOURCES = {"Resource": "resource", "External": "external", "PodMetric": "podmetric"}


def _keda(component: str, spec: dict[str, Any], base: JsonPath) -> Iterator[Violation]:
    if "scaleMetric" in spec:
        yield Violation(
            message=f"{component} scaleMetric is not supported with the keda autoscaler; "
            "use autoScaling.metrics",
            path=(*base, "scaleMetric"),
        )
    for i, entry in _metrics(spec):
        where: JsonPath = (*base, "autoScaling", "metrics", i)
        kind = entry.get("type")
        field = _KEDA_SOURCES.get(str(kind))
        if field is None:
            yield Violation(
                message=f"{component} autoScaling metric type {kind!r} is not one of "
                "Resource, External, PodMetric",
                path=(*where, "type"),
            )
            continue
        source = entry.get(field)
        if not isinstance(source, dict):
            yield Violation(
                message=f"{component} autoScaling metric of type {kind} has no {field}",
                path=where,
            )
            continue
        yield from _keda_source(component, str(kind), source, (*where, field))


def _keda_source(
    component: str, kind: str, source: dict[str, Any], where: JsonPath
) -> Iterator[Violation]:
    target = workloads.as_dict(source.get("target"))
    target_type = target.get("type")
    if kind == "Resource":
        name = source.get("name")
        allowed = {"cpu": ("Utilization",), "memory": ("AverageValue", "Utilization")}.get(
            str(name)
        )
        if allowed is None:
            yield Violation(
                message=f"{component} autoScaling resource {name!r} is not cpu or memory",
                path=(*where, "name"),
            )
            return
        if target_type not in allowed:
            yield Violation(
                message=f"{component} autoScaling {name} target type {target_type!r} is not "
                f"{' or '.join(allowed)}",
                path=(*where, "target"),
            )
            return
        if name == "memory" and target_type == "AverageValue":
            amount = parse_quantity(str(target.get("averageValue", "")))
            if amount is not None and amount < 1024 * 1024:
                yield Violation(
                    message=f"{component} autoScaling memory target "
                    f"{target.get('averageValue')!r} is below 1Mi",
                    path=(*where, "target", "averageValue"),
                )
                return
    else:
        if not workloads.as_dict(source.get("metric")).get("query"):
            yield Violation(
                message=f"{component} autoScaling {kind} metric has no query",
                path=(*where, "metric"),
            )
        if target.get("value") is None:
            yield Violation(
                message=f"{component} autoScaling {kind} metric has no target value",
                path=(*where, "target"),
            )
            return
    yield from _scale_target(component, target, (*where, "target"))


def _scale_target(component: str, target: dict[str, Any], where: JsonPath) -> Iterator[Violation]:
    fields = {"Utilization": "averageUtilization", "AverageValue": "averageValue", "Value": "value"}
    field = fields.get(str(target.get("type")))
    if field is None:
        return
    if target.get(field) is None:
        yield Violation(
            message=f"{component} autoScaling target of type {target['type']} has no {field}",
            path=where,
        )
        return
    value = _int(target.get(field))
    if field == "averageUtilization" and value is not None and not 1 <= value <= 100:
        yield Violation(
            message=f"{component} autoScaling averageUtilization {value} is not in 1..100",
            path=(*where, field),
        )


def _kpa(component: str, spec: dict[str, Any], base: JsonPath, mode: str) -> Iterator[Violation]:
    if "deploymentStrategy" in spec:
        yield Violation(
            message=f"{component} deploymentStrategy is supported only in Standard "
            f"(raw deployment) mode, not {mode}",
            path=(*base, "deploymentStrategy"),
        )
    metric = spec.get("scaleMetric", "concurrency")
    if metric not in ("concurrency", "rps"):
        yield Violation(
            message=f"{component} scaleMetric {metric!r} is not supported by the Knative "
            f"autoscaler in {mode} mode (concurrency or rps)",
            path=(*base, "scaleMetric"),
        )
        return
    target = _int(spec.get("scaleTarget"))
    if metric == "rps" and target is not None and target < 1:
        yield Violation(
            message=f"{component} scaleTarget {target} for rps is below 1",
            path=(*base, "scaleTarget"),
        )


# -- storage ----------------------------------------------------------------------


def _storage_uris(component: str, spec: dict[str, Any], base: JsonPath) -> Iterator[Violation]:
    if "storageUris" not in spec or spec["storageUris"] is None:
        return
    if _storage_uri(component, spec) is not None:
        yield Violation(
            message=f"{component} sets both a storageUri and storageUris; use one",
            path=(*base, "storageUris"),
        )
    plain: list[str] = []
    pvc: list[str] = []
    for i, entry in enumerate(workloads.as_list(spec["storageUris"])):
        entry = workloads.as_dict(entry)
        where: JsonPath = (*base, "storageUris", i)
        uri = str(entry.get("uri") or "")
        mount = str(entry.get("mountPath") or "")
        problem = None
        if not uri:
            problem, where = "has no uri", where
        elif mount == "/":
            problem, where = "mounts at /", (*where, "mountPath")
        elif not mount.startswith("/"):
            problem, where = f"mountPath {mount!r} is not absolute", (*where, "mountPath")
        elif ".." in mount:
            problem, where = f"mountPath {mount!r} contains '..'", (*where, "mountPath")
        if problem:
            yield Violation(message=f"{component} storageUris[{i}] {problem}", path=where)
            return
        (pvc if uri.startswith("pvc://") else plain).append(mount)
    if len(plain) <= 1:
        return
    if len(set(pvc)) < len(pvc):
        yield Violation(
            message=f"{component} storageUris mount two PVCs at the same path",
            path=(*base, "storageUris"),
        )
    if common_parent_path(plain) == "/":
        yield Violation(
            message=f"{component} storageUris mount paths {', '.join(plain)} share no parent "
            "folder below /",
            path=(*base, "storageUris"),
        )


def common_parent_path(paths: list[str]) -> str:
    """KServe's ``utils.FindCommonParentPath``: the common prefix of the paths themselves.

    Segment by segment, not of their parent folders: ``/models/a`` and ``/models``
    share ``/models``. A path that is only slashes has no segment to share.
    """
    if not paths:
        return ""
    if len(paths) == 1:
        return paths[0]
    split = [p.strip("/").split("/") if p.strip("/") else [] for p in paths]
    common: list[str] = []
    for level in zip(*split, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return "/" + "/".join(common) if common else "/"


# -- predictor --------------------------------------------------------------------


def _predictor(obj: RenderedObject, spec: dict[str, Any]) -> Iterator[Violation]:
    base: JsonPath = ("spec", "predictor")
    for f in _formats("predictor", spec):
        if spec[f].get("name"):
            yield Violation(
                message=f"predictor {f} sets name {spec[f]['name']!r}; a model-format predictor "
                "takes no container name",
                path=(*base, f, "name"),
            )
    containers = _containers(spec)
    if containers and not _formats("predictor", spec):
        for j, name, value in _env(containers[0]):
            if name == "PROTOCOL" and value not in ("v1", "v2"):
                yield Violation(
                    message=f"custom predictor PROTOCOL {value!r} is not v1 or v2",
                    path=(*base, "containers", 0, "env", j, "value"),
                )
    for i, container in enumerate(containers):
        if container.get("name") == TRANSFORMER_CONTAINER:
            for j, name, _value in _env(container):
                if name == "STORAGE_URI":
                    yield Violation(
                        message=f"collocated {TRANSFORMER_CONTAINER} sets STORAGE_URI; "
                        "the storage URI belongs to the predictor",
                        path=(*base, "containers", i, "env", j, "name"),
                    )
            break
    yield from _multinode(obj, spec, base)
    yield from _confidential(spec, base)


def _multinode(obj: RenderedObject, spec: dict[str, Any], base: JsonPath) -> Iterator[Violation]:
    worker = spec.get("workerSpec")
    if not isinstance(worker, dict):
        return
    where: JsonPath = (*base, "workerSpec")
    if len(workloads.as_list(worker.get("containers"))) > 1:
        yield Violation(
            message="workerSpec sets more than one container", path=(*where, "containers")
        )
    for field in ("pipelineParallelSize", "tensorParallelSize"):
        value = _int(worker.get(field))
        if value is not None and value < 1:
            yield Violation(message=f"workerSpec {field} {value} is below 1", path=(*where, field))
    model = spec.get("model")
    if not isinstance(model, dict):
        return
    for j, name, _value in _env(model):
        if name in ("PIPELINE_PARALLEL_SIZE", "TENSOR_PARALLEL_SIZE"):
            field = "pipelineParallelSize" if name.startswith("PIPELINE") else "tensorParallelSize"
            yield Violation(
                message=f"multi-node model sets {name} in env; set workerSpec.{field} instead",
                path=(*base, "model", "env", j, "name"),
            )
    uri = model.get("storageUri")
    if not isinstance(uri, str) or not uri:
        yield Violation(
            message="multi-node model has no storageUri (pvc:// or oci://)",
            path=(*base, "model"),
        )
    elif uri.split("://", 1)[0] not in ("pvc", "oci"):
        yield Violation(
            message=f"multi-node model storageUri {uri!r} is not pvc:// or oci://",
            path=(*base, "model", "storageUri"),
        )
    if obj.annotations.get(CLASS) != "none":
        current = obj.annotations.get(CLASS)
        yield Violation(
            message=f"multi-node InferenceService needs annotation {CLASS}: none"
            + (f", not {current!r}" if current is not None else ""),
            path=_annotation_path(obj, CLASS),
        )


def _annotation_path(obj: RenderedObject, key: str) -> JsonPath:
    if key in obj.annotations:
        return ("metadata", "annotations", key)
    return ("metadata", "annotations") if obj.annotations else ("metadata",)


def _confidential(spec: dict[str, Any], base: JsonPath) -> Iterator[Violation]:
    for f in _formats("predictor", spec)[:1]:
        confidential = spec[f].get("confidential")
        if not isinstance(confidential, dict) or confidential.get("enabled") is not True:
            return
        if not spec[f].get("storageUri"):
            yield Violation(
                message=f"predictor {f} enables confidential serving without a storageUri",
                path=(*base, f, "confidential", "enabled"),
            )
        resource_id = confidential.get("resourceId")
        if resource_id and not _KBS.fullmatch(str(resource_id)):
            yield Violation(
                message=f"confidential resourceId {resource_id!r} is not "
                "kbs:///<repo>/<type>/<tag>",
                path=(*base, f, "confidential", "resourceId"),
            )


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    yield from _metadata(obj)
    for component in KSERVE_COMPONENTS:
        spec = obj.spec.get(component)
        if isinstance(spec, dict):
            yield from _component(obj, component, spec)
            if component == "predictor":
                yield from _predictor(obj, spec)


RULE = Rule(
    id="kserve-invalid",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="an InferenceService is rejected by the KServe admission webhook",
    remediation="Fix the field the message names so KServe's webhook accepts the InferenceService.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"InferenceService"}),
)
