"""What a scaffold stack is: the data and templates behind one ``--training`` or ``--serving``.

A stack is one module in ``gitops_ml/scaffold/stacks/``, registered in that
package's ``TRAINING_STACKS`` or ``SERVING_STACKS``. It declares its CLI choice
name, a one-line summary (``new-model --help`` and ``docs/scaffolding.md`` show
it), the frameworks it accepts, its placeholders, and functions that return the
documents it writes. Nothing else in the package compares ``spec.training`` or
``spec.serving`` with a name: it asks the stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gitops_ml.scaffold.model import Env
    from gitops_ml.scaffold.spec import ModelSpec

Files = Callable[["ModelSpec"], dict[str, str]]  # base-relative file name -> text


def no_files(spec: ModelSpec) -> dict[str, str]:
    return {}


def any_framework(framework: str) -> bool:
    return True


def no_framework(framework: str) -> bool:
    return False


@dataclass(frozen=True)
class Patch:
    """An overlay's patch of its base; a JSON patch names its ``target`` (YAML lines)."""

    text: str
    target: str | None = None


def no_patch(spec: ModelSpec, env: Env) -> Patch | None:
    return None


@dataclass(frozen=True)
class Stack:
    """What every stack declares; ``kind`` None means the choice writes nothing."""

    name: str  # the CLI choice
    summary: str  # one line for --help and docs/scaffolding.md
    kind: str | None  # the kind of the main object it writes
    files: Files = no_files
    frameworks: frozenset[str] | None = None  # None: any framework

    @property
    def writes(self) -> bool:
        return self.kind is not None

    def accepts(self, framework: str) -> bool:
        return self.frameworks is None or framework in self.frameworks


@dataclass(frozen=True)
class TrainingStack(Stack):
    """One ``--training`` choice; ``frameworks`` None: any (a custom image)."""

    distributed: bool = False  # takes --workers (replicas besides the master/chief)
    torch: bool = False  # always runs PyTorch: its pods mount a memory-backed /dev/shm
    # (API group, plural) of the object a scheduled retrain deletes for the GitOps
    # controller to recreate; None when the stack schedules itself (a CronJob)
    rerun: tuple[str, str] | None = None
    configurations: Files = no_files  # kustomize `configurations:` files of the base
    placeholder_image: tuple[str, str] = ("ghcr.io/acme/{name}-train", "0.1.0-placeholder")


@dataclass(frozen=True)
class ServingStack(Stack):
    """One ``--serving`` choice."""

    # (framework) -> the model server is an image of ours (--image, or a placeholder)
    server_image: Callable[[str], bool] = no_framework
    # (framework) -> a model URI is needed (--storage-uri, or a placeholder)
    model_uri: Callable[[str], bool] = no_framework
    # the patch each overlay pins the model version (and dev's size) with
    overlay_patch: Callable[[ModelSpec, Env], Patch | None] = no_patch
    prod_files: Files = no_files  # extra resources of prod-tier overlays
    placeholder_image: tuple[str, str] = ("ghcr.io/acme/{name}-serve", "0.1.0-placeholder")
    placeholder_uri: str = "s3://models/{name}/v1-placeholder"
