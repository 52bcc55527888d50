"""kueue-queue-unresolved: a Kueue-queued workload whose queue, ClusterQueue or resources do not resolve.

## What it does
For every rendered object labelled `kueue.x-k8s.io/queue-name`, within the
same environment:

* the LocalQueue it names exists in its namespace (checked when the
  repository renders any LocalQueue in that environment);
* that LocalQueue's `spec.clusterQueue` exists (checked when the repository
  renders any ClusterQueue);
* the ClusterQueue covers every resource the workload's containers request
  or limit (`nvidia.com/gpu`, MIG resources such as `nvidia.com/mig-1g.10gb`,
  cpu, memory) in one of its `resourceGroups[].coveredResources`, as Kueue's
  flavor assigner requires (`findFlavorForPodSets` in
  `pkg/scheduler/flavorassigner/flavorassigner.go`: "resource X unavailable
  in ClusterQueue"); resources excluded by a rendered Kueue Configuration's
  `resources.excludeResourcePrefixes` are not counted;
* the ResourceFlavors the ClusterQueue names exist (checked when the
  repository renders any ResourceFlavor);
* when the repository renders a Kueue `Configuration` (the
  `controller_manager_config.yaml` of Kueue's manager ConfigMap), its
  `integrations.frameworks` enable the workload's kind (Kueue's framework
  names, e.g. `batch/job`, `kubeflow.org/pytorchjob`, `jobset.x-k8s.io/jobset`).

Only whole repository runs are judged (not the file subset a pre-commit run
lints): a queue defined in a file that was not rendered is not missing.

## Why is this bad?
Kueue admits a workload only through an existing LocalQueue and ClusterQueue
with quota for every resource it asks for. A misspelt queue name or a GPU
resource the ClusterQueue does not cover leaves the training job suspended
forever with an "inadmissible" condition nobody watches; a kind whose
integration is off is not queued at all and grabs GPUs past the quota.

## Example
```yaml
kind: PyTorchJob
metadata:
  labels: {kueue.x-k8s.io/queue-name: gpu-queue}   # the LocalQueue is 'gpu'
```

## Use instead
```yaml
kind: PyTorchJob
metadata:
  labels: {kueue.x-k8s.io/queue-name: gpu}
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml import yamlio
from gitops_ml.errors import YamlError
from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.lint.workloads import as_dict, as_list

QUEUE_LABEL = "kueue.x-k8s.io/queue-name"
_KUEUE_GROUP = "kueue.x-k8s.io/"
# kind -> Kueue integration (FrameworkName in Kueue's pkg/controller/jobs/*)
FRAMEWORKS: Mapping[str, str] = {
    "Job": "batch/job",
    "JobSet": "jobset.x-k8s.io/jobset",
    "PyTorchJob": "kubeflow.org/pytorchjob",
    "TFJob": "kubeflow.org/tfjob",
    "MPIJob": "kubeflow.org/mpijob",
    "XGBoostJob": "kubeflow.org/xgboostjob",
    "JAXJob": "kubeflow.org/jaxjob",
    "PaddleJob": "kubeflow.org/paddlejob",
    "TrainJob": "trainer.kubeflow.org/trainjob",
    "RayJob": "ray.io/rayjob",
    "RayCluster": "ray.io/raycluster",
    "RayService": "ray.io/rayservice",
    "Pod": "pod",
    "Deployment": "deployment",
    "StatefulSet": "statefulset",
    "LeaderWorkerSet": "leaderworkerset.x-k8s.io/leaderworkerset",
    "AppWrapper": "workload.codeflare.dev/appwrapper",
}


class _Kueue:
    """The Kueue objects one environment renders."""

    def __init__(self) -> None:
        self.local: dict[tuple[str, str], RenderedObject] = {}
        self.cluster: dict[str, RenderedObject] = {}
        self.flavors: set[str] = set()
        self.frameworks: set[str] | None = None
        self.excluded: tuple[str, ...] = ()


def _kueue_config(obj: RenderedObject) -> dict[str, Any] | None:
    for value in as_dict(obj.data.get("data")).values():
        if not isinstance(value, str) or "config.kueue.x-k8s.io" not in value:
            continue
        try:
            docs = yamlio.load_fast(value).documents
        except YamlError:
            continue
        for doc in docs:
            doc = as_dict(doc)
            if doc.get("kind") == "Configuration" and str(doc.get("apiVersion", "")).startswith(
                "config.kueue.x-k8s.io/"
            ):
                return doc
    return None


def _collect(objects: list[RenderedObject]) -> _Kueue:
    found = _Kueue()
    for obj in objects:
        api = obj.key.api_version
        if api.startswith(_KUEUE_GROUP) and obj.kind == "LocalQueue":
            found.local[(obj.key.namespace or "", obj.key.name)] = obj
        elif api.startswith(_KUEUE_GROUP) and obj.kind == "ClusterQueue":
            found.cluster[obj.key.name] = obj
        elif api.startswith(_KUEUE_GROUP) and obj.kind == "ResourceFlavor":
            found.flavors.add(obj.key.name)
        elif obj.kind == "ConfigMap":
            config = _kueue_config(obj)
            if config is not None:
                integrations = as_dict(config.get("integrations"))
                found.frameworks = {str(f) for f in as_list(integrations.get("frameworks"))}
                prefixes = as_list(as_dict(config.get("resources")).get("excludeResourcePrefixes"))
                found.excluded = tuple(str(p) for p in prefixes)
    return found


def _requested(obj: RenderedObject) -> set[str]:
    names: set[str] = set()
    for c in workloads.containers(obj.data):
        for section in ("requests", "limits"):
            names.update(str(n) for n in as_dict(c.resources.get(section)))
    return names


def _covered(cluster_queue: RenderedObject) -> tuple[set[str], set[str]]:
    covered: set[str] = set()
    flavors: set[str] = set()
    for group in as_list(cluster_queue.spec.get("resourceGroups")):
        group = as_dict(group)
        covered.update(str(r) for r in as_list(group.get("coveredResources")))
        flavors.update(str(as_dict(f).get("name")) for f in as_list(group.get("flavors")))
    return covered, flavors


def _check_workload(obj: RenderedObject, queue: str, kueue: _Kueue) -> Iterator[Violation]:
    label_path = ("metadata", "labels", QUEUE_LABEL)
    framework = FRAMEWORKS.get(obj.kind)
    if kueue.frameworks is not None and framework and framework not in kueue.frameworks:
        yield Violation(
            message=f"{obj.kind} '{obj.key.name}' asks for Kueue queue '{queue}', but the "
            f"rendered Kueue Configuration does not enable the '{framework}' integration, "
            "so it runs unqueued",
            obj=obj,
            path=label_path,
        )
    namespace = obj.key.namespace or ""
    local = kueue.local.get((namespace, queue))
    if local is None:
        if kueue.local:
            where = f"namespace '{namespace}'" if namespace else "its namespace"
            yield Violation(
                message=f"{obj.kind} '{obj.key.name}' names LocalQueue '{queue}', which is "
                f"not rendered in {where}; the workload stays suspended",
                obj=obj,
                path=label_path,
            )
        return
    cq_name = str(local.spec.get("clusterQueue") or "")
    cluster_queue = kueue.cluster.get(cq_name)
    if cluster_queue is None:
        return  # reported at the LocalQueue
    covered, _ = _covered(cluster_queue)
    missing = sorted(
        name
        for name in _requested(obj) - covered
        if not any(name.startswith(p) for p in kueue.excluded)
    )
    if missing:
        yield Violation(
            message=f"{obj.kind} '{obj.key.name}' requests {', '.join(missing)}, which "
            f"ClusterQueue '{cq_name}' does not cover; Kueue never admits it",
            obj=obj,
            path=label_path,
        )


def check(
    ctx: LintContext, subject: LintContext, options: Mapping[str, Any]
) -> Iterator[Violation]:
    if not ctx.full_run:
        return
    by_env = ctx.objects_by_environment()
    for env, objects in by_env.items():
        # cluster-scoped queues of a plain-manifest folder serve every environment
        kueue = _collect(objects + (by_env.get(None, []) if env is not None else []))
        for obj in objects:
            queue = as_dict(obj.data.get("metadata")).get("labels")
            name = as_dict(queue).get(QUEUE_LABEL)
            if isinstance(name, str) and name:
                yield from _check_workload(obj, name, kueue)
        for local in kueue.local.values():
            cq_name = str(local.spec.get("clusterQueue") or "")
            if local.environment == env and kueue.cluster and cq_name not in kueue.cluster:
                yield Violation(
                    message=f"LocalQueue '{local.key.name}' points at ClusterQueue "
                    f"'{cq_name}', which is not rendered",
                    obj=local,
                    path=("spec", "clusterQueue"),
                )
        if kueue.flavors:
            for cluster_queue in kueue.cluster.values():
                if cluster_queue.environment != env:
                    continue
                for flavor in sorted(_covered(cluster_queue)[1] - kueue.flavors):
                    yield Violation(
                        message=f"ClusterQueue '{cluster_queue.key.name}' uses ResourceFlavor "
                        f"'{flavor}', which is not rendered",
                        obj=cluster_queue,
                        path=("spec", "resourceGroups"),
                    )


RULE = Rule(
    id="kueue-queue-unresolved",
    scope=Scope.REPOSITORY,
    severity=Severity.WARNING,
    summary="a Kueue-queued workload's LocalQueue, ClusterQueue or resource coverage does not resolve",
    remediation="Name a LocalQueue rendered in the workload's namespace whose ClusterQueue "
    "covers every resource it requests.",
    check=check,
    doc=__doc__ or "",
)
