"""deprecated-api: an apiVersion that is deprecated or removed at the target Kubernetes.

## What it does
Compares each object's `apiVersion`/`kind` with the Kubernetes deprecation
schedule at the configured `kubernetesVersion`: removed APIs are errors,
deprecated ones warnings, and both name the replacement. Custom resources
whose API the project removed (KServe `serving.kubeflow.org`, Kubeflow
`kubeflow.org/v1beta*` jobs) are covered too. The finding is reported in
every source file that writes the old apiVersion (the base and each patch
that restates it), since each must change.

## Why is this bad?
A cluster upgrade turns a working repository into one that no longer syncs:
the HorizontalPodAutoscaler of a model server written as `autoscaling/v2beta2`
disappears on 1.26, and the server stops scaling under load.

## Example
```yaml
apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
```

## Use instead
```yaml
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

_KSERVE = "serving.kserve.io/v1beta1"

# (apiVersion, kind or "*") -> (deprecated in, removed in or None, replacement)
DEPRECATIONS: dict[tuple[str, str], tuple[str, str | None, str]] = {
    ("extensions/v1beta1", "Deployment"): ("1.9", "1.16", "apps/v1"),
    ("extensions/v1beta1", "DaemonSet"): ("1.9", "1.16", "apps/v1"),
    ("extensions/v1beta1", "ReplicaSet"): ("1.9", "1.16", "apps/v1"),
    ("extensions/v1beta1", "NetworkPolicy"): ("1.9", "1.16", "networking.k8s.io/v1"),
    ("extensions/v1beta1", "PodSecurityPolicy"): ("1.10", "1.16", "policy/v1beta1"),
    ("extensions/v1beta1", "Ingress"): ("1.14", "1.22", "networking.k8s.io/v1"),
    ("apps/v1beta1", "*"): ("1.9", "1.16", "apps/v1"),
    ("apps/v1beta2", "*"): ("1.9", "1.16", "apps/v1"),
    ("networking.k8s.io/v1beta1", "Ingress"): ("1.19", "1.22", "networking.k8s.io/v1"),
    ("networking.k8s.io/v1beta1", "IngressClass"): ("1.19", "1.22", "networking.k8s.io/v1"),
    ("rbac.authorization.k8s.io/v1beta1", "*"): ("1.17", "1.22", "rbac.authorization.k8s.io/v1"),
    ("rbac.authorization.k8s.io/v1alpha1", "*"): ("1.17", "1.22", "rbac.authorization.k8s.io/v1"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"): (
        "1.16",
        "1.22",
        "apiextensions.k8s.io/v1",
    ),
    ("admissionregistration.k8s.io/v1beta1", "*"): (
        "1.16",
        "1.22",
        "admissionregistration.k8s.io/v1",
    ),
    ("apiregistration.k8s.io/v1beta1", "APIService"): ("1.19", "1.22", "apiregistration.k8s.io/v1"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"): (
        "1.19",
        "1.22",
        "certificates.k8s.io/v1",
    ),
    ("coordination.k8s.io/v1beta1", "Lease"): ("1.19", "1.22", "coordination.k8s.io/v1"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"): ("1.14", "1.22", "scheduling.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "CSIDriver"): ("1.19", "1.22", "storage.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "CSINode"): ("1.17", "1.22", "storage.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "StorageClass"): ("1.19", "1.22", "storage.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"): ("1.19", "1.22", "storage.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity"): ("1.24", "1.27", "storage.k8s.io/v1"),
    ("batch/v1beta1", "CronJob"): ("1.21", "1.25", "batch/v1"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice"): ("1.21", "1.25", "discovery.k8s.io/v1"),
    ("events.k8s.io/v1beta1", "Event"): ("1.19", "1.25", "events.k8s.io/v1"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler"): ("1.22", "1.25", "autoscaling/v2"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler"): ("1.23", "1.26", "autoscaling/v2"),
    ("policy/v1beta1", "PodDisruptionBudget"): ("1.21", "1.25", "policy/v1"),
    ("policy/v1beta1", "PodSecurityPolicy"): ("1.21", "1.25", "Pod Security Admission"),
    ("node.k8s.io/v1beta1", "RuntimeClass"): ("1.20", "1.25", "node.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "*"): (
        "1.23",
        "1.26",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "*"): (
        "1.26",
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "*"): (
        "1.29",
        "1.32",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    ("serving.kubeflow.org/v1alpha2", "InferenceService"): (
        "1.0",
        "1.0",
        "serving.kserve.io/v1beta1",
    ),
    ("serving.kubeflow.org/v1beta1", "InferenceService"): (
        "1.0",
        "1.0",
        "serving.kserve.io/v1beta1",
    ),
    ("serving.kserve.io/v1alpha1", "InferenceService"): ("1.0", None, "serving.kserve.io/v1beta1"),
    ("kubeflow.org/v1beta1", "PyTorchJob"): ("1.0", "1.0", "kubeflow.org/v1"),
    ("kubeflow.org/v1beta2", "PyTorchJob"): ("1.0", "1.0", "kubeflow.org/v1"),
    ("kubeflow.org/v1beta1", "TFJob"): ("1.0", "1.0", "kubeflow.org/v1"),
    ("kubeflow.org/v1beta2", "TFJob"): ("1.0", "1.0", "kubeflow.org/v1"),
}


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def lookup(api_version: str, kind: str) -> tuple[str, str | None, str] | None:
    return DEPRECATIONS.get((api_version, kind)) or DEPRECATIONS.get((api_version, "*"))


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    found = lookup(obj.key.api_version, obj.key.kind)
    if found is None:
        return
    deprecated, removed, replacement = found
    target = _version(ctx.schemas.kubernetes_version)
    name = f"{obj.key.api_version} {obj.key.kind}"
    if removed is not None and target >= _version(removed):
        yield Violation(
            message=f"{name} is removed (Kubernetes {removed}); use {replacement}",
            path=("apiVersion",),
            every_source=True,
        )
    elif target >= _version(deprecated):
        removal = f", removed in {removed}" if removed else ""
        yield Violation(
            message=f"{name} is deprecated since {deprecated}{removal}; use {replacement}",
            path=("apiVersion",),
            severity=Severity.WARNING,
            every_source=True,
        )


RULE = Rule(
    id="deprecated-api",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="an apiVersion is deprecated or removed at the target Kubernetes version",
    remediation="Move the object to the replacement apiVersion named in the message.",
    check=check,
    doc=__doc__ or "",
)
