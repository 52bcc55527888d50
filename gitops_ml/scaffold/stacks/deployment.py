"""``--serving deployment``: a plain Deployment + Service + HorizontalPodAutoscaler + PDB.

The server is the ``--image`` (a placeholder without it), any framework; a
``--storage-uri`` reaches it as ``MODEL_URI``. The Deployment has no
``replicas``: its HorizontalPodAutoscaler owns the count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitops_ml.scaffold import serving
from gitops_ml.scaffold.spec import ModelSpec
from gitops_ml.scaffold.stack import Patch, ServingStack, any_framework
from gitops_ml.scaffold.text import block, q

if TYPE_CHECKING:
    from gitops_ml.scaffold.model import Env


def files(spec: ModelSpec) -> dict[str, str]:
    return {"serving.yaml": serving.deployment_set(spec)}


def overlay_patch(spec: ModelSpec, env: Env) -> Patch | None:
    """The model URI this environment serves and, in dev, a smaller server."""
    small = env.tier == "dev"
    if spec.storage_uri is None and not small:
        return None
    uri = spec.storage_uri
    text = serving.patch_head(spec, env) + (
        "apiVersion: apps/v1\nkind: Deployment\n"
        f"metadata:\n  name: {spec.name}\n"
        "spec:\n  template:\n    spec:\n      containers:\n        - name: server\n"
    )
    if uri:
        text += (
            "          env:\n            - name: MODEL_URI\n"
            f"              value: {q(uri)}  # bump the model version here\n"
        )
    if small:
        text += "          resources:\n" + block(serving.resources(spec, small=True), 12) + "\n"
    return Patch(text)


STACK = ServingStack(
    name="deployment",
    summary="Deployment + Service + HPA + PDB of --image",
    kind="Deployment",
    files=files,
    server_image=any_framework,
    overlay_patch=overlay_patch,
)
