"""kserve-framework-invalid: a KServe framework spec that its own `Validate` rejects.

## What it does
Ports the per-framework checks of KServe's InferenceService webhook that the
object decides (`pkg/apis/serving/v1beta1`):

* `tensorflow` and `pytorch` predictors: a `runtimeVersion` with `-gpu`
  needs a GPU limit (`nvidia.com/gpu` or `nvidia.com/mig-*`), and a GPU
  limit needs a `-gpu` `runtimeVersion` (`predictor_tfserving.go` and
  `predictor_torchserve.go` `validateGPU`; checked only when
  `runtimeVersion` is set);
* an `onnx` predictor's `storageUri` ends in `.onnx` or has no extension
  (`predictor_onnxruntime.go` `ONNXRuntimeSpec.Validate`);
* with a `storage` spec, `storageUri` starts with `s3://`, `hdfs://` or
  `webhdfs://`, or `storage.parameters.type` is one of those
  (`component.go` `validateStorageSpec`, called by the tensorflow, pytorch,
  onnx, pmml and huggingface predictors and by the explainers, `art`
  included);
* a `logger.storage` sets `path`, `parameters` and `key` together
  (`component.go` `validateLogger`).

## Why is this bad?
The webhook refuses the InferenceService: the model is never served, and
the sync error names the framework, not the repository file.

## Example
```yaml
spec:
  predictor:
    tensorflow:
      runtimeVersion: 2.15.0-gpu
      storageUri: gs://models/flowers
```

## Use instead
```yaml
spec:
  predictor:
    tensorflow:
      runtimeVersion: 2.15.0-gpu
      storageUri: gs://models/flowers
      resources:
        limits: {nvidia.com/gpu: 1}
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.lint.workloads import KSERVE_COMPONENTS

_GPU_RUNTIMES = {"tensorflow": "Tensorflow", "pytorch": "PyTorch"}
_STORAGE_CHECKED = {
    "predictor": ("tensorflow", "pytorch", "onnx", "pmml", "huggingface"),
    "explainer": ("art",),
    "transformer": (),
}
_STORAGE_PREFIXES = ("s3://", "hdfs://", "webhdfs://")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _gpu(spec: Mapping[str, Any]) -> bool:
    limits = _dict(_dict(spec.get("resources")).get("limits"))
    return any(str(k) == "nvidia.com/gpu" or str(k).startswith("nvidia.com/mig") for k in limits)


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    for component in KSERVE_COMPONENTS:
        spec = _dict(obj.spec.get(component))
        for framework in _STORAGE_CHECKED[component]:
            impl = spec.get(framework)
            if isinstance(impl, dict):
                yield from _framework(component, framework, impl, ("spec", component, framework))
        logger = _dict(spec.get("logger"))
        storage = logger.get("storage")
        if isinstance(storage, dict):
            missing = [k for k in ("path", "parameters", "key") if storage.get(k) is None]
            if missing:
                yield Violation(
                    message=f"{component} logger.storage has no {', '.join(missing)}: KServe "
                    "needs path, parameters and key together",
                    path=("spec", component, "logger", "storage"),
                )


def _framework(
    component: str, framework: str, impl: dict[str, Any], base: tuple[str, ...]
) -> Iterator[Violation]:
    version = impl.get("runtimeVersion")
    if framework in _GPU_RUNTIMES and isinstance(version, str):
        name, gpu = _GPU_RUNTIMES[framework], _gpu(impl)
        if gpu and "-gpu" not in version:
            yield Violation(
                message=f"{name} runtimeVersion '{version}' is not GPU enabled but GPU "
                "resources are requested",
                path=(*base, "runtimeVersion"),
            )
        elif not gpu and "-gpu" in version:
            yield Violation(
                message=f"{name} runtimeVersion '{version}' is GPU enabled but GPU resources "
                "are not requested",
                path=(*base, "runtimeVersion"),
            )
    uri = impl.get("storageUri")
    if framework == "onnx" and isinstance(uri, str):
        last = uri.rsplit("/", 1)[-1]  # Go's path.Ext: from the last dot of the last element
        ext = last[last.rfind(".") :] if "." in last else ""
        if ext not in (".onnx", ""):
            yield Violation(
                message=f"onnx storageUri '{uri}' ends in '{ext}', not '.onnx'",
                path=(*base, "storageUri"),
            )
    storage = impl.get("storage")
    if not isinstance(storage, dict):
        return
    if isinstance(uri, str) and uri:
        if not uri.startswith(_STORAGE_PREFIXES):
            yield Violation(
                message=f"{component} {framework} with a storage spec needs a storageUri "
                f"starting with {', '.join(_STORAGE_PREFIXES)}, not '{uri}'",
                path=(*base, "storageUri"),
            )
        return
    kind = _dict(storage.get("parameters")).get("type")
    if kind is not None and f"{kind}://" not in _STORAGE_PREFIXES:
        yield Violation(
            message=f"{component} {framework} storage.parameters.type '{kind}' is not one of "
            "s3, hdfs, webhdfs",
            path=(*base, "storage", "parameters", "type"),
        )


RULE = Rule(
    id="kserve-framework-invalid",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a KServe framework spec (GPU runtime, ONNX file, storage spec, logger storage) "
    "is rejected by the KServe webhook",
    remediation="Match the runtimeVersion's -gpu suffix to a GPU limit, point onnx at a .onnx "
    "file, use a supported storage type, and complete logger.storage.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"InferenceService"}),
)
