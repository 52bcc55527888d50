"""`gitops-ml status`: what runs where, models x environments in promotion order.

Each cell is one model's overlay in one environment, rendered through the
build layer (with its caches): the images (tag or digest), the model URIs, the
serving replicas (a range where an autoscaler or KServe sets one), the GPUs
its pods request, the last commit that changed a file the overlay's build
reads (with its date, and the ``Promoted-From`` trailer of that commit when
``promote`` wrote it) and whether the version (images and model URIs) differs
from the previous environment's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gitops_ml.build import BuildOptions, RenderedOverlay, render_overlays, repository
from gitops_ml.config import load_config
from gitops_ml.kustomizations import Kustomization, Repository, locate
from gitops_ml.lint import workloads
from gitops_ml.lint.workloads import as_dict

_SERVING_KINDS = frozenset(
    {"Deployment", "StatefulSet", "LeaderWorkerSet", "InferenceService", "LLMInferenceService"}
)


@dataclass(frozen=True)
class StatusOptions:
    root: Path
    environments: tuple[str, ...] = ()
    build: BuildOptions = field(default_factory=BuildOptions)


@dataclass(frozen=True)
class Cell:
    """One model in one environment."""

    environment: str
    overlay: str
    images: tuple[str, ...] = ()
    model_uris: tuple[str, ...] = ()
    replicas: str | None = None  # "2", or "1-3" for a range
    gpus: int = 0
    commit: str | None = None
    date: str | None = None
    promoted_from: str | None = None
    uncommitted: bool = False
    drift: bool = False  # the version differs from the previous environment's
    problem: str | None = None  # why the overlay did not render

    @property
    def version(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.images, self.model_uris

    def to_json(self) -> dict[str, Any]:
        return {
            "overlay": self.overlay,
            "images": list(self.images),
            "modelUris": list(self.model_uris),
            "replicas": self.replicas,
            "gpus": self.gpus,
            "lastChange": {"commit": self.commit, "date": self.date} if self.commit else None,
            "promotedFrom": self.promoted_from,
            "uncommitted": self.uncommitted,
            "drift": self.drift,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class ModelStatus:
    model: str
    cells: dict[str, Cell]  # environment -> cell; an environment without an overlay is absent


@dataclass(frozen=True)
class StatusResult:
    environments: tuple[str, ...]
    models: tuple[ModelStatus, ...]
    in_git: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "environments": list(self.environments),
            "models": [
                {
                    "model": m.model,
                    "environments": {
                        env: m.cells[env].to_json() if env in m.cells else None
                        for env in self.environments
                    },
                }
                for m in self.models
            ],
        }


def status(options: StatusOptions) -> StatusResult:
    root = options.root.resolve()
    config = load_config(root)
    repo = repository(root, config.ignore, options.build)
    config = config.with_environments(repo.environments(config.is_environment))
    order = [e.name for e in config.environments]
    if options.environments:
        from gitops_ml.lint.engine import check_environments

        check_environments(options.environments, order)
        order = [e for e in order if e in options.environments]
    leaves: list[tuple[str, str, Kustomization]] = []
    for leaf in repo.leaves:
        loc = locate(leaf.rel_dir, config.is_environment)
        if loc.model and loc.environment in order:
            leaves.append((loc.model, loc.environment, leaf))
    rendered = render_overlays(
        repo, [leaf for _, _, leaf in leaves], options.build, is_environment=config.is_environment
    )
    by_dir = {overlay.kustomization.dir: overlay for overlay in rendered}
    history, dirty, in_git = _history(root, repo, [leaf for _, _, leaf in leaves])
    models: dict[str, dict[str, Cell]] = {}
    for model, env, leaf in leaves:
        cell = _cell(env, by_dir[leaf.dir])
        files = repo.input_files(leaf)
        changes = [history[p] for p in files if p in history]
        newest = min(changes, key=lambda c: c.age, default=None)
        cell = replace(
            cell,
            commit=newest.commit if newest else None,
            date=newest.date if newest else None,
            promoted_from=newest.trailer("Promoted-From") if newest else None,
            uncommitted=any(p in dirty for p in files),
        )
        models.setdefault(model, {})[env] = cell
    result = []
    for model in sorted(models):
        cells = models[model]
        previous: Cell | None = None
        for env in order:
            current = cells.get(env)
            if current is None:
                continue
            if previous is not None and current.problem is None and previous.problem is None:
                cells[env] = replace(current, drift=current.version != previous.version)
            previous = current
        result.append(ModelStatus(model, cells))
    return StatusResult(environments=tuple(order), models=tuple(result), in_git=in_git)


def _history(
    root: Path, repo: Repository, leaves: Sequence[Kustomization]
) -> tuple[dict[str, Any], set[str], bool]:
    from gitops_ml import git as gitops
    from gitops_ml.errors import UserError

    try:
        view = gitops.open_view(root)
    except UserError:
        return {}, set(), False
    files = sorted({p for leaf in leaves for p in repo.input_files(leaf)})
    return gitops.last_changes(view, files), set(gitops.dirty_paths(view, files)), True


Version = tuple[tuple[str, ...], tuple[str, ...]]  # (images, model URIs), each sorted


def version_of(objects: Sequence[Any]) -> Version:
    """What ``promote`` moves between environments: the images and model URIs of a render."""
    images: set[str] = set()
    uris: set[str] = set()
    for obj in objects:
        for c in workloads.containers(obj.data):
            image = c.container.get("image")
            if isinstance(image, str):
                images.add(image)
        uris.update(uri for _, uri, _ in workloads.model_uris(obj.data))
    return tuple(sorted(images)), tuple(sorted(uris))


def _cell(env: str, overlay: RenderedOverlay) -> Cell:
    base = Cell(environment=env, overlay=overlay.path)
    if overlay.problem is not None:
        return replace(base, problem=overlay.problem)
    images, uris = version_of(overlay.objects)
    replicas: list[str] = []
    gpus = 0
    hpa_targets = {
        str(as_dict(obj.spec.get("scaleTargetRef")).get("name"))
        for obj in overlay.objects
        if obj.kind == "HorizontalPodAutoscaler"
    }
    for obj in overlay.objects:
        for c in workloads.containers(obj.data):
            gpus += workloads.gpu_count(c.resources) or 0
        found = _replicas(obj.kind, obj.spec, obj.key.name in hpa_targets)
        if found:
            replicas.append(found)
    return replace(
        base,
        images=images,
        model_uris=uris,
        replicas=", ".join(replicas) if replicas else None,
        gpus=gpus,
    )


def _range(low: Any, high: Any) -> str | None:
    if not isinstance(low, int):
        return None
    if not isinstance(high, int) or high == low:
        return str(low)
    return f"{low}-{high}"


def _replicas(kind: str, spec: dict[str, Any], scaled: bool) -> str | None:
    if kind == "HorizontalPodAutoscaler":
        return _range(spec.get("minReplicas", 1), spec.get("maxReplicas"))
    if kind == "InferenceService":
        predictor = as_dict(spec.get("predictor"))
        low = predictor.get("minReplicas", 1)
        return _range(low, predictor.get("maxReplicas", low))
    if kind == "LLMInferenceService":
        scaling = as_dict(spec.get("scaling"))
        if "minReplicas" in scaling or "maxReplicas" in scaling:
            return _range(scaling.get("minReplicas", 1), scaling.get("maxReplicas"))
        return _range(spec.get("replicas", 1), None)
    if kind in _SERVING_KINDS and not scaled:
        return _range(spec.get("replicas", 1), None)
    return None


# -- reports ---------------------------------------------------------------------------

WIDTH = 100


def short_image(image: str) -> str:
    """``repo:tag`` or ``repo@sha256:1234567``: the last path segment and its version."""
    ref = workloads.parse_image(image)
    name = ref.repository.rsplit("/", 1)[-1]
    if ref.digest:
        return f"{name}@{ref.digest.split(':', 1)[-1][:12]}"
    return f"{name}:{ref.tag or 'latest'}"


def middle(text: str, width: int) -> str:
    """``text`` cut in the middle to ``width`` characters, with an ellipsis."""
    if len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    left = (width - 1) // 2
    right = width - 1 - left
    return text[:left] + "…" + (text[-right:] if right else "")


def _cell_lines(cell: Cell | None, in_git: bool) -> list[str]:
    if cell is None:
        return ["-"]
    if cell.problem is not None:
        return ["! does not render", cell.problem]
    mark = "* " if cell.drift else ""
    lines = [mark + (", ".join(short_image(i) for i in cell.images) or "no image")]
    lines.append(", ".join(cell.model_uris) or "no model URI")
    lines.append(f"replicas {cell.replicas or '-'} · gpus {cell.gpus}")
    if cell.uncommitted:
        lines.append("uncommitted changes")
    elif cell.commit:
        lines.append(f"{cell.commit[:7]} {cell.date[:10] if cell.date else ''}".strip())
    elif in_git:
        lines.append("never committed")
    if cell.promoted_from:
        lines.append(f"from {cell.promoted_from}")
    return lines


def render_text(result: StatusResult, width: int = WIDTH) -> str:
    if not result.models:
        return "no model overlays in the environments asked for\n"
    envs = result.environments
    model_width = min(max(len("MODEL"), *(len(m.model) for m in result.models)), 24)
    gaps = 2 * len(envs)
    column = max(12, (width - model_width - gaps) // max(len(envs), 1))
    header = "MODEL".ljust(model_width) + "".join("  " + e.ljust(column) for e in envs)
    out = [header.rstrip(), "-" * min(width, len(header))]
    for model in result.models:
        columns = [_cell_lines(model.cells.get(env), result.in_git) for env in envs]
        for i in range(max(len(c) for c in columns)):
            name = middle(model.model, model_width) if i == 0 else ""
            row = name.ljust(model_width)
            for lines in columns:
                text = lines[i] if i < len(lines) else ""
                row += "  " + middle(text, column).ljust(column)
            out.append(row.rstrip())
        out.append("")
    out.append("* the version (images, model URI) differs from the previous environment")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _mermaid_text(text: str) -> str:
    return text.replace('"', "'").replace("<", "&lt;").replace(">", "&gt;")


def version_label(cell: Cell) -> str:
    images = ", ".join(short_image(i) for i in cell.images) or "no image"
    uri = cell.model_uris[0].rstrip("/").rsplit("/", 1)[-1] if cell.model_uris else ""
    return f"{images}{' · ' + uri if uri else ''}"


def render_markdown(result: StatusResult) -> str:
    envs = result.environments
    out = ["## What runs where", ""]
    if not result.models:
        return "\n".join([*out, "No model overlays in the environments asked for.", ""])
    out.append("| model | " + " | ".join(envs) + " |")
    out.append("|---|" + "---|" * len(envs))
    for model in result.models:
        cells = []
        for env in envs:
            cell = model.cells.get(env)
            cells.append(_md("<br>".join(_cell_lines(cell, result.in_git))))
        out.append(f"| {_md(model.model)} | " + " | ".join(cells) + " |")
    out += ["", "`*` the version differs from the previous environment.", ""]
    out += ["```mermaid", "flowchart LR"]
    for i, env in enumerate(envs):
        rows = [
            f"{model.model}: {version_label(model.cells[env])}"
            for model in result.models
            if env in model.cells and model.cells[env].problem is None
        ]
        label = "<br/>".join([f"<b>{env}</b>", *(_mermaid_text(r) for r in rows)])
        out.append(f'  env{i}["{label}"]')
    for i in range(len(envs) - 1):
        out.append(f"  env{i} --> env{i + 1}")
    out += ["```", ""]
    return "\n".join(out)


def render_json(result: StatusResult) -> str:
    import json

    return json.dumps(result.to_json(), indent=2) + "\n"


STATUS_REPORTERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
