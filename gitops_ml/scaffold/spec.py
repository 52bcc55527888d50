"""What the user asked for, validated: ``ModelSpec`` for new-model, ``InitSpec`` for init.

Every check raises a ``UserError`` whose message is one sentence naming the
option and what would be accepted; nothing downstream validates again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gitops_ml import images
from gitops_ml.errors import UserError

if TYPE_CHECKING:
    from gitops_ml.scaffold.stack import ServingStack, TrainingStack

FRAMEWORKS = (
    "pytorch",
    "tensorflow",
    "keras",
    "sklearn",
    "xgboost",
    "onnx",
    "huggingface",
    "triton",
    "custom",
)
CONTROLLERS = ("argocd", "flux")
ORCHESTRATORS = ("kubernetes", "airflow")
DEFAULT_ENVS = ("dev", "staging", "prod")

# KServe predictor modelFormat per framework; Keras models are served as
# TensorFlow SavedModels, and custom images bring their own server.
MODEL_FORMATS = {
    "pytorch": "pytorch",
    "tensorflow": "tensorflow",
    "keras": "tensorflow",
    "sklearn": "sklearn",
    "xgboost": "xgboost",
    "onnx": "onnx",
    "huggingface": "huggingface",
    "triton": "triton",
}


def __getattr__(name: str) -> Any:
    # SERVING and TRAINING are the stack registry's names, read on first use so that
    # importing this module (the CLI does at start-up) loads no templates
    if name in ("SERVING", "TRAINING"):
        from gitops_ml.scaffold import stacks

        return stacks.serving_names() if name == "SERVING" else stacks.training_names()
    raise AttributeError(name)


_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?\Z")
_ENV = re.compile(r"^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?\Z")
_URI = re.compile(r"^(s3|gs|hf|pvc|oci|https|azureblob)://[^\s'\"#]+\Z")
_QUEUE = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
ROUTERS = ("none", "gateway")
_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?]+\Z")
_BRANCH = re.compile(r"^(?!/|.*(\.\.|//|@\{|\.lock\Z|/\Z|\.\Z))[A-Za-z0-9._/-]{1,200}\Z")


@dataclass(frozen=True)
class Image:
    """An image reference split the way a kustomize ``images:`` entry wants it."""

    name: str
    tag: str | None = None
    digest: str | None = None
    placeholder: bool = False

    @property
    def ref(self) -> str:
        if self.digest:
            return f"{self.name}@{self.digest}"
        return f"{self.name}:{self.tag}"


def parse_image(value: str, option: str) -> Image:
    problem = images.reference_problem(value)
    if problem is not None:
        raise UserError(
            f"{option} {value!r} is not an image reference such as ghcr.io/acme/x:1.2.3: "
            f"it {problem}"
        )
    value, tag, digest = images.split(value)
    if digest is None and tag is None:
        raise UserError(
            f"{option} {value!r} needs a version tag or a digest, such as {value}:1.0.0"
        )
    if digest is None and tag == "latest":
        raise UserError(f"{option} must pin a version; 'latest' changes under a running model")
    return Image(name=value, tag=tag, digest=digest)


def parse_envs(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    envs = tuple(e.strip() for e in value.split(",") if e.strip())
    if not envs:
        raise UserError("--envs needs at least one environment name, such as dev,staging,prod")
    for env in envs:
        if not _ENV.match(env):
            raise UserError(f"--envs entry {env!r} is not a lower-case DNS label such as staging")
    if len(set(envs)) != len(envs):
        raise UserError("--envs lists an environment twice")
    return envs


def check_branch(value: str | None) -> str | None:
    if value is not None and not _BRANCH.match(value):
        raise UserError(f"--branch {value!r} is not a valid git branch name")
    return value


@dataclass(frozen=True)
class ModelSpec:
    name: str
    framework: str
    serving: str
    training: str
    serving_image: Image | None
    training_image: Image | None
    storage_uri: str | None
    storage_placeholder: bool
    gpus: int
    workers: int
    schedule: str | None
    orchestrator: str = "kubernetes"  # who starts scheduled runs: a CronJob, or Airflow
    router: str = "none"  # "gateway": a Gateway API route to the model's InferencePool
    queue: str | None = None  # the Kueue LocalQueue its training runs wait in

    @property
    def airflow(self) -> bool:
        """Airflow launches the training runs; the GitOps controller only defines them."""
        return self.orchestrator == "airflow"

    @property
    def model_format(self) -> str | None:
        return MODEL_FORMATS.get(self.framework)

    @property
    def training_stack(self) -> TrainingStack:
        from gitops_ml.scaffold.stacks import training_stack

        return training_stack(self.training)

    @property
    def serving_stack(self) -> ServingStack:
        from gitops_ml.scaffold.stacks import serving_stack

        return serving_stack(self.serving)

    @property
    def uses_torch(self) -> bool:
        return self.framework in ("pytorch", "huggingface") or self.training_stack.torch

    @property
    def serving_container(self) -> bool:
        """The server is an image of ours (Deployment, or KServe with a custom image)."""
        return self.serving_stack.server_image(self.framework)

    def images(self) -> tuple[Image, ...]:
        return tuple(i for i in (self.serving_image, self.training_image) if i is not None)

    @property
    def summary(self) -> str:
        stacks = (self.serving_stack, self.training_stack)
        parts = [s.name for s in stacks if s.writes]
        return ", ".join(parts)


def model_spec(
    name: str,
    *,
    framework: str,
    serving: str,
    training: str,
    image: str | None = None,
    training_image: str | None = None,
    storage_uri: str | None = None,
    gpus: int = 0,
    workers: int | None = None,
    schedule: str | None = None,
    orchestrator: str = "kubernetes",
    router: str = "none",
    queue: str | None = None,
) -> ModelSpec:
    """Validate new-model's options into a ModelSpec, or raise a UserError."""
    if not _NAME.match(name):
        raise UserError(
            f"model name {name!r} must be a lower-case DNS label of at most 40 characters "
            "starting with a letter, such as fraud-detector"
        )
    from gitops_ml.scaffold.stacks import TRAINING_STACKS, serving_stack, training_stack

    _choice("--framework", framework, FRAMEWORKS)
    served = serving_stack(serving)
    trained = training_stack(training)
    if not served.writes and not trained.writes:
        raise UserError(
            f"--serving {serving} with --training {training} leaves nothing to generate"
        )
    if not trained.accepts(framework):
        fitting = [s.name for s in TRAINING_STACKS if s.writes and s.accepts(framework)]
        instead = (
            f"use one of {', '.join(fitting[:-1])} or {fitting[-1]}"
            if len(fitting) > 1
            else f"use --training {fitting[0]}"
        )
        raise UserError(f"--training {training} does not train {framework} models; {instead}")
    if not served.accepts(framework):
        raise UserError(f"--serving {serving} does not serve {framework} models")
    if gpus < 0 or gpus > 16:
        raise UserError("--gpus must be between 0 and 16 GPUs per pod")
    if workers is not None and not trained.distributed:
        distributed = [s.name for s in TRAINING_STACKS if s.distributed]
        raise UserError(
            f"--workers applies to --training {', '.join(distributed[:-1])} or "
            f"{distributed[-1]} only"
        )
    if workers is not None and not 1 <= workers <= 64:
        raise UserError("--workers must be between 1 and 64")
    _choice("--orchestrator", orchestrator, ORCHESTRATORS)
    _choice("--router", router, ROUTERS)
    if router != "none" and served.kind != "LLMInferenceService":
        raise UserError(
            "--router routes to an LLM server's InferencePool: use it with --serving llm"
        )
    if queue is not None:
        if not _QUEUE.fullmatch(queue):
            raise UserError(f"--queue {queue!r} is not a lower-case DNS label such as gpu-training")
        if not trained.writes:
            raise UserError(
                "--queue puts training runs in a Kueue queue: it needs a --training choice"
            )
    if orchestrator == "airflow" and schedule is None:
        raise UserError("--orchestrator airflow schedules retraining, so it needs --schedule")
    if schedule is not None:
        if not trained.writes:
            raise UserError("--schedule retrains a model, so it needs a --training choice")
        if orchestrator == "airflow":
            _check_airflow_schedule(schedule)
        else:
            _check_cron(schedule)
    if storage_uri is not None and not _URI.match(storage_uri):
        raise UserError(
            f"--storage-uri {storage_uri!r} is not a model URI such as s3://models/{name}/v1"
        )
    wants_server_image = served.server_image(framework)
    if image is not None and not wants_server_image:
        raise UserError(
            f"--image is the model server's image, which --serving {serving} with "
            f"--framework {framework} does not run; use --training-image for the training image"
        )
    if training_image is not None and not trained.writes:
        raise UserError("--training-image needs a --training choice")

    serving_image = None
    if wants_server_image:
        repository, tag = served.placeholder_image
        serving_image = (
            parse_image(image, "--image")
            if image
            else Image(repository.format(name=name), tag, placeholder=True)
        )
    train_image = None
    if trained.writes:
        repository, tag = trained.placeholder_image
        train_image = (
            parse_image(training_image, "--training-image")
            if training_image
            else Image(repository.format(name=name), tag, placeholder=True)
        )
    needs_uri = served.model_uri(framework)
    placeholder = storage_uri is None and needs_uri
    uri = storage_uri or (served.placeholder_uri.format(name=name) if needs_uri else None)
    return ModelSpec(
        name=name,
        framework=framework,
        serving=serving,
        training=training,
        serving_image=serving_image,
        training_image=train_image,
        storage_uri=uri,
        storage_placeholder=placeholder,
        gpus=gpus,
        workers=workers if workers is not None else 1,
        schedule=schedule,
        orchestrator=orchestrator,
        router=router,
        queue=queue,
    )


def _choice(option: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UserError(f"{option} {value!r} is not one of {', '.join(choices)}")


def _check_cron(value: str) -> None:
    fields = value.split()
    if value.startswith("@"):
        if value not in ("@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@midnight"):
            raise UserError(f"--schedule {value!r} is not a cron macro such as @weekly")
        return
    if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
        raise UserError(
            f"--schedule {value!r} is not a five-field cron expression such as '0 3 * * 0'"
        )


def _check_airflow_schedule(value: str) -> None:
    from gitops_ml.airflow import schedule_problem

    problem = schedule_problem(value)
    if problem is not None or value in ("@once", "@continuous"):
        raise UserError(
            f"--schedule {value!r} is not a retraining schedule Airflow accepts, such as "
            "'0 3 * * 0' or @weekly"
        )


@dataclass(frozen=True)
class InitSpec:
    controller: str
    repo_url: str
    repo_url_placeholder: bool
    environments: tuple[str, ...]


def init_spec(controller: str, repo_url: str | None, envs: str | None) -> InitSpec:
    _choice("--controller", controller, CONTROLLERS)
    if repo_url is not None and not re.match(r"^(https://|ssh://|git@)[^\s'\"]+\Z", repo_url):
        raise UserError(
            f"--repo-url {repo_url!r} is not a git URL such as https://github.com/acme/ml-gitops.git"
        )
    environments = parse_envs(envs) or DEFAULT_ENVS
    return InitSpec(
        controller=controller,
        repo_url=repo_url or "https://github.com/acme/ml-gitops.git",
        repo_url_placeholder=repo_url is None,
        environments=environments,
    )
