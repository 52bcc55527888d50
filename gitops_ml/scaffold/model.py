"""A model's files: ``models/<name>/base`` and one overlay per environment.

Every overlay pins what it runs: an ``images:`` entry per image (with the
tag or digest) and, where the model has one, its URI in ``serving-patch.yaml``,
even while all environments run the same version. Promoting a version is then
a change to one overlay. Overlays pick their environment's profile Component
(``components/<tier>``) and, for GPU models, ``components/gpu``.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitops_ml.scaffold import serving, training
from gitops_ml.scaffold.spec import Image, ModelSpec
from gitops_ml.scaffold.text import block, q

PROFILES = {"dev": "dev", "staging": "staging", "prod": "prod-ha"}


@dataclass(frozen=True)
class Env:
    name: str
    namespace: str
    tier: str

    @property
    def profile(self) -> str:
        return PROFILES[self.tier]


def base_files(spec: ModelSpec) -> dict[str, str]:
    files = {**training.training_files(spec), **serving.serving_files(spec)}
    resources = "".join(f"  - {name}\n" for name in files)
    text = (
        f"# {spec.name}: what runs in every environment. Versions, sizes and replica\n"
        "# ranges are set per environment in ../overlays/<env>/.\n"
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\n"
        "labels:\n"
        "  - pairs:\n"
        f"      app.kubernetes.io/part-of: {spec.name}\n"
        "      app.kubernetes.io/managed-by: gitops-ml\n"
        "resources:\n" + resources
    )
    if spec.training == "trainjob":
        text += (
            "configurations:\n"
            "  # lets the overlays' images: entries set a TrainJob's image\n"
            "  - kustomizeconfig.yaml\n"
        )
        files["kustomizeconfig.yaml"] = (
            "# Teaches kustomize's images: transformer where a TrainJob keeps its image.\n"
            "images:\n"
            "  - path: spec/trainer/image\n"
            "    kind: TrainJob\n"
        )
    out = {f"models/{spec.name}/base/{name}": body for name, body in files.items()}
    out[f"models/{spec.name}/base/kustomization.yaml"] = text
    return out


def _image_entry(image: Image, what: str) -> str:
    if image.digest:
        return (
            f"  - name: {image.name}\n    digest: {image.digest}  # bump the {what} version here\n"
        )
    assert image.tag is not None
    return f"  - name: {image.name}\n    newTag: {q(image.tag)}  # bump the {what} version here\n"


def _images(spec: ModelSpec) -> str:
    entries = []
    if spec.serving_image is not None:
        entries.append(_image_entry(spec.serving_image, "model server"))
    if spec.training_image is not None:
        entries.append(_image_entry(spec.training_image, "training image"))
    if training.uses_kubectl_image(spec):
        entries.append(
            f"  - name: {training.KUBECTL_IMAGE}\n    newTag: {training.KUBECTL_TAG}"
            "  # the retraining trigger's kubectl\n"
        )
    if not entries:
        return ""
    return "images:\n" + "".join(entries)


def _serving_patch(spec: ModelSpec, env: Env) -> str | None:
    """The overlay's patch pinning the model URI and, in dev, a smaller server."""
    small = env.tier == "dev"
    if spec.serving == "none" or (spec.storage_uri is None and not small):
        return None
    uri = spec.storage_uri
    sized = serving.resources(spec, small=True)
    head = f"# {spec.name} in {env.name}: the model version this environment serves"
    head += " and the server's size.\n" if small else ".\n"
    if spec.serving == "deployment":
        text = head + (
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
            text += "          resources:\n" + block(sized, 12) + "\n"
        return text
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
        return head + "".join(ops)
    assert uri is not None
    text = head + (
        "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n"
        f"metadata:\n  name: {spec.name}\n"
        "spec:\n  predictor:\n    model:\n"
        f"      storageUri: {q(uri)}  # bump the model version here\n"
    )
    if small:
        text += "      resources:\n" + block(sized, 8) + "\n"
    return text


def overlay_files(spec: ModelSpec, env: Env) -> dict[str, str]:
    prefix = f"models/{spec.name}/overlays/{env.name}"
    files: dict[str, str] = {}
    resources = ["../../base"]
    if env.tier == "prod" and spec.serving.startswith("kserve"):
        files["pdb.yaml"] = (
            "# KServe does not add a PodDisruptionBudget: keep serving through node drains.\n"
            + serving.isvc_pdb(spec)
        )
        resources.append("pdb.yaml")
    patch = _serving_patch(spec, env)
    text = (
        f"# {spec.name} in {env.name}. Every version this environment runs is pinned here;\n"
        f"# promote one by changing this overlay (`gitops-ml promote {spec.name} --from ... "
        f"--to {env.name}`).\n"
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\n"
        f"namespace: {env.namespace}\n"
        "resources:\n" + "".join(f"  - {r}\n" for r in resources) + "components:\n"
        f"  - ../../../../components/{env.profile}  # the {env.tier} profile\n"
        + ("  - ../../../../components/gpu  # GPU node placement\n" if spec.gpus else "")
        + _images(spec)
    )
    if patch is not None:
        name = "serving-patch.yaml"
        files[name] = patch
        if spec.serving.startswith("kserve") and spec.framework == "custom":
            text += (
                "patches:\n  - path: serving-patch.yaml\n    target:\n"
                f"      group: serving.kserve.io\n      kind: InferenceService\n"
                f"      name: {spec.name}\n"
            )
        else:
            text += "patches:\n  - path: serving-patch.yaml\n"
    files["kustomization.yaml"] = text
    return {f"{prefix}/{name}": body for name, body in files.items()}


def model_files(spec: ModelSpec, envs: tuple[Env, ...]) -> dict[str, str]:
    out = base_files(spec)
    for env in envs:
        out.update(overlay_files(spec, env))
    return out
