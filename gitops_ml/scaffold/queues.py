"""``--queue NAME``: the Kueue objects a model's training runs wait in, per environment.

Under ``clusters/<env>/queues/<NAME>/`` (one kustomization, applied once like
``clusters/<env>`` itself, and shared by every model that names the queue):

* a LocalQueue ``NAME`` in the environment's namespace, which the training
  objects name with the ``kueue.x-k8s.io/queue-name`` label;
* a ClusterQueue ``NAME-<env>`` (cluster-scoped, so the environment is in its
  name: several environments may share one cluster) admitting workloads from
  that namespace only, with a quota for CPU, memory and, for GPU models,
  ``nvidia.com/gpu`` — the starting numbers are a placeholder to size to the
  nodes the queue may use;
* a ResourceFlavor ``NAME-<env>`` (GPU nodes by the GPU operator's label for
  GPU models).

Files that already exist (another model made the queue) are left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitops_ml.scaffold.spec import ModelSpec

if TYPE_CHECKING:
    from gitops_ml.scaffold.model import Env

API = "kueue.x-k8s.io/v1beta2"


def folder(env: Env, queue: str) -> str:
    return f"clusters/{env.name}/queues/{queue}"


def _quota(spec: ModelSpec) -> list[tuple[str, str]]:
    quota = [("cpu", "64"), ("memory", "512Gi")]
    if spec.gpus:
        quota.append(("nvidia.com/gpu", str(8 * max(spec.gpus, 1))))
    return quota


def queue_files(spec: ModelSpec, envs: tuple[Env, ...]) -> dict[str, str]:
    if spec.queue is None:
        return {}
    out: dict[str, str] = {}
    for env in envs:
        name = f"{spec.queue}-{env.name}"
        base = folder(env, spec.queue)
        out[f"{base}/kustomization.yaml"] = (
            f"# Kueue queue {spec.queue} of {env.name}: apply once with "
            f"`kubectl apply -k {base}`\n"
            "# (or list it in ../../kustomization.yaml).\n"
            "apiVersion: kustomize.config.k8s.io/v1beta1\n"
            "kind: Kustomization\n"
            "resources:\n"
            "  - resourceflavor.yaml\n"
            "  - clusterqueue.yaml\n"
            "  - localqueue.yaml\n"
        )
        flavor = f"apiVersion: {API}\nkind: ResourceFlavor\nmetadata:\n  name: {name}\n"
        if spec.gpus:
            flavor += 'spec:\n  nodeLabels:\n    nvidia.com/gpu.present: "true"\n'
        out[f"{base}/resourceflavor.yaml"] = flavor
        quota = _quota(spec)
        resources = "".join(
            f"            - name: {resource}\n              nominalQuota: {amount}\n"
            for resource, amount in quota
        )
        out[f"{base}/clusterqueue.yaml"] = (
            f"apiVersion: {API}\n"
            "kind: ClusterQueue\n"
            f"metadata:\n  name: {name}\n"
            "spec:\n"
            "  namespaceSelector:  # only this environment's namespace\n"
            "    matchLabels:\n"
            f"      kubernetes.io/metadata.name: {env.namespace}\n"
            "  queueingStrategy: BestEffortFIFO\n"
            "  resourceGroups:\n"
            f"    - coveredResources: [{', '.join(r for r, _ in quota)}]\n"
            "      flavors:\n"
            f"        - name: {name}\n"
            "          # placeholder quota: size it to the nodes this queue may use\n"
            "          resources:\n" + resources
        )
        out[f"{base}/localqueue.yaml"] = (
            f"apiVersion: {API}\n"
            "kind: LocalQueue\n"
            f"metadata:\n  name: {spec.queue}\n  namespace: {env.namespace}\n"
            f"spec:\n  clusterQueue: {name}\n"
        )
    return out
