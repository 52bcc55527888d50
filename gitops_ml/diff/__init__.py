"""Review a change: what it does to the rendered objects of every environment.

changed files (git) -> affected leaf overlays (the kustomization graph of each
side) -> render and lint those overlays at the base (a tree exported from git
objects into a temporary folder) and at the head (the work tree, or another
exported tree) -> object diff keyed by (environment, apiVersion, kind,
namespace, name) -> ML-significant changes -> findings delta.

The user's work tree and index are never written.
"""

from __future__ import annotations

import difflib
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gitops_ml import airflow, build, yamlio
from gitops_ml import git as gitops
from gitops_ml.build import RenderedOverlay
from gitops_ml.build_errors import summary
from gitops_ml.config import load_config
from gitops_ml.findings import MODEL_URI_ENV, Finding, ObjectKey
from gitops_ml.kustomizations import locate
from gitops_ml.lint.engine import (
    LintOptions,
    LintResult,
    check_environments,
    known_environments,
    run_lint,
)

CONFIG_NAMES = ("gitops-ml.yaml", "gitops-ml.yml", ".gitops-ml.yaml")
NOISY_ANNOTATION_PREFIXES = (
    "config.kubernetes.io/",
    "internal.config.kubernetes.io/",
    "kustomize.config.k8s.io/",
    "kubectl.kubernetes.io/last-applied-configuration",
)
NO_ENVIRONMENT = "(no environment)"


@dataclass(frozen=True)
class DiffOptions:
    root: Path
    base: str
    head: str | None = None  # None: the working tree
    environments: tuple[str, ...] = ()
    engine: str | None = None
    context_lines: int = 3


@dataclass(frozen=True)
class Highlight:
    """One ML-significant field that changed in one object."""

    environment: str
    key: ObjectKey
    what: str  # image, model URI, replicas, autoscaling, GPUs, canary traffic, schedule
    field: str  # where in the object, e.g. spec.predictor.model.storageUri
    old: Any
    new: Any

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "object": _key_json(self.key),
            "what": self.what,
            "field": self.field,
            "old": self.old,
            "new": self.new,
        }


@dataclass(frozen=True)
class ObjectChange:
    environment: str
    overlay: str
    key: ObjectKey
    status: str  # added, removed, changed
    diff: str

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "overlay": self.overlay,
            "object": _key_json(self.key),
            "status": self.status,
            "diff": self.diff,
        }


@dataclass(frozen=True)
class EnvironmentSummary:
    name: str
    overlays: tuple[str, ...]
    added: int
    removed: int
    changed: int
    unchanged: int

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "overlays": list(self.overlays),
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "unchanged": self.unchanged,
        }


@dataclass(frozen=True)
class BuildProblem:
    environment: str
    overlay: str
    side: str  # base or head
    message: str


@dataclass(frozen=True)
class ReviewResult:
    base_ref: str
    base_commit: str
    head_ref: str  # "working tree" when it is
    head_commit: str | None
    changed_files: tuple[str, ...]
    environments: tuple[EnvironmentSummary, ...]
    changes: tuple[ObjectChange, ...]
    highlights: tuple[Highlight, ...]
    new_findings: tuple[Finding, ...]
    fixed_findings: tuple[Finding, ...]
    problems: tuple[BuildProblem, ...] = ()

    @property
    def has_differences(self) -> bool:
        return bool(self.changes or self.problems or self.highlights)

    def to_json(self) -> dict[str, Any]:
        return {
            "base": {"ref": self.base_ref, "commit": self.base_commit},
            "head": {"ref": self.head_ref, "commit": self.head_commit},
            "changedFiles": list(self.changed_files),
            "summary": [e.to_json() for e in self.environments],
            "highlights": [h.to_json() for h in self.highlights],
            "objects": [c.to_json() for c in self.changes],
            "findings": {
                "new": [f.to_json() for f in self.new_findings],
                "fixed": [f.to_json() for f in self.fixed_findings],
            },
            "buildErrors": [
                {
                    "environment": p.environment,
                    "overlay": p.overlay,
                    "side": p.side,
                    "message": p.message,
                }
                for p in self.problems
            ],
        }


def _key_json(key: ObjectKey) -> dict[str, Any]:
    return {
        "apiVersion": key.api_version,
        "kind": key.kind,
        "namespace": key.namespace,
        "name": key.name,
    }


# -- the pipeline -----------------------------------------------------------------


@dataclass
class _Side:
    """One tree (base or head): its root, and the lint of what the change touches."""

    root: Path
    lint: LintResult | None = None
    overlays: dict[str, RenderedOverlay] = field(default_factory=dict)


def review(options: DiffOptions) -> ReviewResult:
    root = options.root.resolve()
    view = gitops.open_view(root)
    base_commit = gitops.merge_base(view, options.base, options.head)
    changed = gitops.changed_files(view, base_commit, options.head)
    tmp = Path(tempfile.mkdtemp(prefix="gitops-ml-review-"))
    try:
        base = _Side(gitops.export_tree(view, base_commit, tmp / "base"))
        if options.head is None:
            head = _Side(root)
            head_commit = None
        else:
            commit = gitops.resolve_commit(view, options.head)
            head = _Side(gitops.export_tree(view, commit, tmp / "head"))
            head_commit = str(commit.hexsha)
        if options.environments:
            # an environment the change adds or removes is known on one side only
            known = known_environments(head.root, root) + known_environments(base.root, root)
            check_environments(options.environments, dict.fromkeys(known))
        for side in (base, head):
            _lint_side(side, changed, options)
        changes, summaries, problems = _compare(base, head, options)
        highlights = tuple(h for c in changes for h in _highlights_of(c, base, head))
        highlights += tuple(_airflow_highlights(changed, base, head))
        new, fixed = _findings_delta(base.lint, head.lint)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ReviewResult(
        base_ref=options.base,
        base_commit=str(base_commit.hexsha),
        head_ref=options.head or "working tree",
        head_commit=head_commit,
        changed_files=changed,
        environments=summaries,
        changes=changes,
        highlights=highlights,
        new_findings=new,
        fixed_findings=fixed,
        problems=problems,
    )


def _lint_side(side: _Side, changed: tuple[str, ...], options: DiffOptions) -> None:
    """Lint (and so render) the overlays of this tree that the changed files reach."""
    if any(p in CONFIG_NAMES for p in changed):
        paths: tuple[Path, ...] = (side.root,)  # the config changes everything
    else:
        paths = tuple(side.root / p for p in changed if (side.root / p).exists())
    if not paths:
        return
    side.lint = run_lint(
        LintOptions(
            paths=paths,
            root=side.root,
            environments=options.environments,
            check_environments=False,
            engine=options.engine,
        )
    )
    ctx = side.lint.context
    if ctx is not None:
        side.overlays = {o.path: o for o in ctx.overlays}


def _env_of(overlay: RenderedOverlay) -> str:
    return overlay.environment or overlay.path or NO_ENVIRONMENT


def _render_missing(side: _Side, wanted: set[str], options: DiffOptions) -> None:
    """Render leaves the other side reached but this one did not (asymmetric graphs)."""
    missing = [d for d in sorted(wanted) if d not in side.overlays]
    existing = [side.root / d for d in missing if (side.root / d).is_dir()]
    if not existing:
        return
    context = side.lint.context if side.lint is not None else None
    config = context.config if context is not None else load_config(side.root)
    repo = context.repo if context is not None else build.repository(side.root, config.ignore)
    leaves = repo.leaves_affected_by(existing)
    if options.environments:
        leaves = tuple(k for k in leaves if locate(k.rel_dir).name in options.environments)
    built = build.render_overlays(
        repo, leaves, build.BuildOptions(engine=options.engine), None, config.is_environment
    )
    for overlay in built:
        side.overlays.setdefault(overlay.path, overlay)


def _objects(overlay: RenderedOverlay | None) -> dict[ObjectKey, dict[str, Any]]:
    if overlay is None:
        return {}
    return {obj.key: strip_noise(obj.data) for obj in overlay.objects}


def _compare(
    base: _Side, head: _Side, options: DiffOptions
) -> tuple[tuple[ObjectChange, ...], tuple[EnvironmentSummary, ...], tuple[BuildProblem, ...]]:
    wanted = set(base.overlays) | set(head.overlays)
    _render_missing(base, wanted, options)
    _render_missing(head, wanted, options)
    changes: list[ObjectChange] = []
    problems: list[BuildProblem] = []
    per_env: dict[str, dict[str, Any]] = {}
    for path in sorted(wanted):
        before, after = base.overlays.get(path), head.overlays.get(path)
        env = _env_of(after or before)  # type: ignore[arg-type]
        stats = per_env.setdefault(
            env, {"overlays": [], "added": 0, "removed": 0, "changed": 0, "unchanged": 0}
        )
        for side_name, overlay in (("base", before), ("head", after)):
            if overlay is not None and (overlay.error or overlay.skipped):
                # kustomize's root cause in one line; `gitops-ml lint -v` has the rest
                message = summary(overlay.error, overlay.path) if overlay.error else ""
                message = message or overlay.skipped or ""
                problems.append(BuildProblem(env, path, side_name, message))
        old, new = _objects(before), _objects(after)
        touched = False
        for key in sorted(set(old) | set(new), key=_sort_key):
            change = _change(env, path, key, old.get(key), new.get(key), options.context_lines)
            if change is None:
                stats["unchanged"] += 1
                continue
            touched = True
            stats[change.status] += 1
            changes.append(change)
        if touched or any(p.overlay == path for p in problems):
            stats["overlays"].append(path)
    summaries = tuple(
        EnvironmentSummary(
            name=env,
            overlays=tuple(s["overlays"]),
            added=s["added"],
            removed=s["removed"],
            changed=s["changed"],
            unchanged=s["unchanged"],
        )
        for env, s in sorted(per_env.items(), key=lambda item: _env_order(item[0], base, head))
        if s["overlays"]
    )
    return tuple(changes), summaries, tuple(problems)


def _env_order(env: str, base: _Side, head: _Side) -> tuple[int, str]:
    for side in (head, base):
        if side.lint is not None and env in side.lint.environments:
            return (side.lint.environments.index(env), env)
    return (1_000, env)


def _sort_key(key: ObjectKey) -> tuple[str, str, str, str]:
    return (key.kind, key.namespace or "", key.name, key.api_version)


def _label(key: ObjectKey) -> str:
    namespace = f"{key.namespace}/" if key.namespace else ""
    return f"{key.kind}/{namespace}{key.name}"


def _change(
    env: str,
    overlay: str,
    key: ObjectKey,
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    context: int,
) -> ObjectChange | None:
    if old == new:
        return None
    status = "added" if old is None else "removed" if new is None else "changed"
    before = yamlio.dump_plain([old]).splitlines(keepends=True) if old is not None else []
    after = yamlio.dump_plain([new]).splitlines(keepends=True) if new is not None else []
    name = f"{env}/{_label(key)}"
    text = "".join(
        difflib.unified_diff(before, after, f"a/{name}", f"b/{name}", n=context, lineterm="\n")
    )
    return ObjectChange(environment=env, overlay=overlay, key=key, status=status, diff=text)


def strip_noise(obj: dict[str, Any]) -> dict[str, Any]:
    """A rendered object without the build metadata that changes on every build."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("annotations"), dict):
        return obj
    kept = {
        k: v
        for k, v in meta["annotations"].items()
        if not str(k).startswith(NOISY_ANNOTATION_PREFIXES)
    }
    new_meta = {k: v for k, v in meta.items() if k != "annotations"}
    if kept:
        new_meta["annotations"] = kept
    return {**obj, "metadata": new_meta}


# -- ML-significant changes -------------------------------------------------------


def _classify(path: tuple[str, ...]) -> str | None:
    last = path[-1] if path else ""
    joined = ".".join(path)
    if last in ("image",) or (len(path) >= 2 and path[-2] == "images"):
        return "image"
    if last in ("storageUri", "storageUris", "modelUri", "modelURI", "uri") and "spec" in path:
        return "model URI"
    if last.startswith("env[") and MODEL_URI_ENV.search(last[4:-1]):
        return "model URI"
    if "gpu" in last.lower() and ("resources" in path or "limits" in path or "requests" in path):
        return "GPUs"
    if last in ("canaryTrafficPercent", "setWeight", "weight") and "metadata" not in path:
        return "canary traffic"
    if last in ("minReplicas", "maxReplicas", "scaleTarget", "scaleMetric", "minScale"):
        return "autoscaling"
    if re.search(r"autoscaling\.knative\.dev/(min|max|initial)-scale", joined):
        return "autoscaling"
    if last in ("replicas", "numNodes", "parallelism", "nprocPerNode", "numProcPerNode"):
        return "replicas"
    if last in ("schedule", "suspend", "timeZone") and "spec" in path:
        return "schedule"
    return None


def _flatten(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Leaf values by a path where named list items are keyed by name, not index."""
    if isinstance(node, dict):
        if path and path[-1].startswith("env[") and "value" in node:
            yield path, node.get("value")
            return
        for k, v in node.items():
            yield from _flatten(v, (*path, str(k)))
    elif isinstance(node, list):
        named = all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in node)
        for index, item in enumerate(node):
            if named and path and path[-1] == "env":
                yield from _flatten(item, (*path[:-1], f"env[{item['name']}]"))
            elif named:
                yield from _flatten(item, (*path, str(item["name"])))
            else:
                yield from _flatten(item, (*path, str(index)))
    else:
        yield path, node


def _highlights_of(change: ObjectChange, base: _Side, head: _Side) -> Iterator[Highlight]:
    before = _find(base, change)
    after = _find(head, change)
    old = dict(_flatten(before)) if before is not None else {}
    new = dict(_flatten(after)) if after is not None else {}
    for path in sorted(set(old) | set(new)):
        if old.get(path) == new.get(path):
            continue
        what = _classify(path)
        if what is None:
            continue
        yield Highlight(
            environment=change.environment,
            key=change.key,
            what=what,
            field=".".join(path),
            old=old.get(path),
            new=new.get(path),
        )


def _airflow_highlights(changed: tuple[str, ...], base: _Side, head: _Side) -> Iterator[Highlight]:
    """A DAG's changed schedule, and ML fields of a changed committed training manifest."""
    folder = load_config(head.root).airflow.dags_folder.strip("/") + "/"
    for rel in changed:
        if not rel.startswith(folder):
            continue
        if rel.endswith(".py"):
            old_dag, new_dag = (_dag_at(side.root, rel) for side in (base, head))
            old = old_dag.schedules[0].value if old_dag and old_dag.schedules else None
            new = new_dag.schedules[0].value if new_dag and new_dag.schedules else None
            if old != new:
                dag = new_dag or old_dag
                env = (dag.value_of("environment") if dag else None) or NO_ENVIRONMENT
                key = ObjectKey("airflow.apache.org", "DAG", None, rel)
                yield Highlight(env, key, "schedule", "schedule", old, new)
        elif rel.endswith((".yaml", ".yml")):
            before, _ = airflow.load_manifest(base.root, rel)
            after, _ = airflow.load_manifest(head.root, rel)
            if before is None and after is None:
                continue
            key = ObjectKey.of(after or before or {})
            env = _manifest_env(head.root, rel) or _manifest_env(base.root, rel) or NO_ENVIRONMENT
            old_fields = dict(_flatten(airflow.comparable(before))) if before else {}
            new_fields = dict(_flatten(airflow.comparable(after))) if after else {}
            for path in sorted(set(old_fields) | set(new_fields)):
                what = _classify(path)
                if what and old_fields.get(path) != new_fields.get(path):
                    field = f"{rel}: {'.'.join(path)}"
                    yield Highlight(
                        env, key, what, field, old_fields.get(path), new_fields.get(path)
                    )


def _dag_at(root: Path, rel: str) -> airflow.DagFile | None:
    path = root / rel
    return airflow.read_dag(root, path) if path.is_file() and not path.is_symlink() else None


def _manifest_env(root: Path, rel: str) -> str | None:
    for dag in airflow.read_dags(root, load_config(root)):
        if dag.manifest_rel() == rel:
            return dag.value_of("environment")
    return None


def _find(side: _Side, change: ObjectChange) -> dict[str, Any] | None:
    overlay = side.overlays.get(change.overlay)
    if overlay is None:
        return None
    for obj in overlay.objects:
        if obj.key == change.key:
            return strip_noise(obj.data)
    return None


# -- findings delta ---------------------------------------------------------------


FindingKey = tuple[str, str | None, str, str | None, str | None]


def _finding_key(f: Finding, env: str | None) -> FindingKey:
    # the object without its namespace: that is the environment's, compared apart
    obj = f"{f.object.kind}/{f.object.name}" if f.object else None
    return (f.rule, f.file, f.message, obj, env)


def _keys(findings: tuple[Finding, ...]) -> set[FindingKey]:
    return {_finding_key(f, env) for f in findings for env in (f.envs or (None,))}


def _only(findings: tuple[Finding, ...], absent: set[FindingKey]) -> tuple[Finding, ...]:
    """Each finding for just the environments in which the other side lacks it."""
    out: list[Finding] = []
    for f in findings:
        envs = [env for env in (f.envs or (None,)) if _finding_key(f, env) not in absent]
        if envs == [None]:
            out.append(f)
        elif envs:
            named = tuple(e for e in envs if e is not None)
            out.append(replace(f, environment=named[0], environments=named))
    return tuple(out)


def _findings_delta(
    base: LintResult | None, head: LintResult | None
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    before = base.findings if base else ()
    after = head.findings if head else ()
    return _only(after, _keys(before)), _only(before, _keys(after))
