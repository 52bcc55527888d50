"""``--serving kserve``: a KServe InferenceService in raw deployment mode (Deployment + HPA).

A predictor ``model`` with the framework's ``modelFormat`` and a ``storageUri``;
``--framework custom`` runs the ``--image`` as ``predictor.containers`` instead.
Each overlay pins the model URI (and, in dev, a smaller server) in
``serving-patch.yaml``; prod overlays add a PodDisruptionBudget, which KServe
does not create.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitops_ml.scaffold import serving
from gitops_ml.scaffold.spec import ModelSpec
from gitops_ml.scaffold.stack import Patch, ServingStack
from gitops_ml.scaffold.text import block, q

if TYPE_CHECKING:
    from gitops_ml.scaffold.model import Env


def files(spec: ModelSpec) -> dict[str, str]:
    return {"serving.yaml": serving.inference_service(spec, serverless=False)}


def overlay_patch(spec: ModelSpec, env: Env) -> Patch | None:
    """The model URI this environment serves and, in dev, a smaller server."""
    small = env.tier == "dev"
    if spec.storage_uri is None and not small:
        return None
    uri = spec.storage_uri
    sized = serving.resources(spec, small=True)
    head = serving.patch_head(spec, env)
    if spec.framework == "custom":
        # a JSON patch: a merge patch would replace the whole containers list
        ops = []
        if uri:
            ops.append(
                "- op: replace\n  path: /spec/predictor/containers/0/env/0/value\n"
                f"  value: {q(uri)}  # bump the model version here\n"
            )
        if small:
            for key in ("cpu", "memory"):
                ops.append(
                    f"- op: replace\n  path: /spec/predictor/containers/0/resources/requests/{key}\n"
                    f"  value: {q(sized['requests'][key])}\n"
                )
            ops.append(
                "- op: replace\n  path: /spec/predictor/containers/0/resources/limits/memory\n"
                f"  value: {q(sized['limits']['memory'])}\n"
            )
        target = (
            f"      group: serving.kserve.io\n      kind: InferenceService\n"
            f"      name: {spec.name}\n"
        )
        return Patch(head + "".join(ops), target)
    assert uri is not None
    text = head + (
        "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n"
        f"metadata:\n  name: {spec.name}\n"
        "spec:\n  predictor:\n    model:\n"
        f"      storageUri: {q(uri)}  # bump the model version here\n"
    )
    if small:
        text += "      resources:\n" + block(sized, 8) + "\n"
    return Patch(text)


def prod_files(spec: ModelSpec) -> dict[str, str]:
    return {
        "pdb.yaml": (
            "# KServe does not add a PodDisruptionBudget: keep serving through node drains.\n"
            + serving.isvc_pdb(spec)
        )
    }


def custom_image(framework: str) -> bool:
    return framework == "custom"


def needs_model_uri(framework: str) -> bool:
    return framework != "custom"


STACK = ServingStack(
    name="kserve",
    summary="KServe InferenceService, raw deployment + HPA",
    kind="InferenceService",
    files=files,
    server_image=custom_image,
    model_uri=needs_model_uri,
    overlay_patch=overlay_patch,
    prod_files=prod_files,
)
