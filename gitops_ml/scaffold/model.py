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
from gitops_ml.scaffold.text import q

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
    stack = spec.training_stack
    configurations = stack.configurations(spec)
    if configurations:
        text += "configurations:\n"
        text += f"  # lets the overlays' images: entries set a {stack.kind}'s image\n"
        text += "".join(f"  - {name}\n" for name in configurations)
        files.update(configurations)
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


def overlay_files(spec: ModelSpec, env: Env) -> dict[str, str]:
    prefix = f"models/{spec.name}/overlays/{env.name}"
    files: dict[str, str] = {}
    resources = ["../../base"]
    stack = spec.serving_stack
    if env.tier == "prod":
        extra = stack.prod_files(spec)
        files.update(extra)
        resources.extend(extra)
    patch = stack.overlay_patch(spec, env)
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
        files["serving-patch.yaml"] = patch.text
        text += "patches:\n  - path: serving-patch.yaml\n"
        if patch.target is not None:
            text += "    target:\n" + patch.target
    files["kustomization.yaml"] = text
    return {f"{prefix}/{name}": body for name, body in files.items()}


def model_files(spec: ModelSpec, envs: tuple[Env, ...]) -> dict[str, str]:
    out = base_files(spec)
    for env in envs:
        out.update(overlay_files(spec, env))
    return out
