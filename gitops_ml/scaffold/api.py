"""``init`` and ``new-model``: spec -> plan -> lint in a scratch copy -> write -> commit.

Nothing is written before the plan has been rendered and linted in a
temporary folder holding the repository's config, components and clusters
plus the planned files; an error-level finding stops the command there.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from gitops_ml import git as gitops
from gitops_ml.config import CONFIG_NAMES, Config, infer_tier, is_config_file, load_config
from gitops_ml.errors import UserError
from gitops_ml.findings import Finding, Severity
from gitops_ml.kustomizations import find_root
from gitops_ml.scaffold import airflow as airflow_dags
from gitops_ml.scaffold import controllers, queues, repofiles
from gitops_ml.scaffold.model import Env, model_files
from gitops_ml.scaffold.plan import Plan
from gitops_ml.scaffold.spec import DEFAULT_ENVS, InitSpec, ModelSpec
from gitops_ml.scaffold.writer import check_plan, existing, target, write_plan

# what a scratch copy needs besides the plan for lint to see the repository as it will be
_CONTEXT = ("components", "clusters", "models")


@dataclass(frozen=True)
class Outcome:
    root: Path
    plan: Plan
    written: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()  # --force: files that existed with other content
    commit: str | None = None
    branch: str | None = None
    findings: tuple[Finding, ...] = ()
    dry_run: bool = False


def environments(names: Iterable[str], config: Config | None = None) -> tuple[Env, ...]:
    out = []
    for name in names:
        known = config.environment(name) if config and config.explicit_environments else None
        namespace = known.namespace if known and known.namespace else f"ml-{name}"
        tier = known.tier if known else infer_tier(name)
        out.append(Env(name=name, namespace=namespace, tier=tier))
    return tuple(out)


# -- validation -----------------------------------------------------------------------


def _planned_models(plan: Plan) -> list[str]:
    return sorted(
        {rel.split("/")[1] for rel, _ in plan if rel.startswith("models/") and rel.count("/") >= 2}
    )


@contextlib.contextmanager
def _scratch(root: Path | None, plan: Plan) -> Iterator[Path]:
    """A temporary copy of what ``plan`` is checked with, plus ``plan``.

    That is the repository's config, components and clusters and, of
    ``models/``, the models the plan writes: adding a model cannot change
    another's overlays, and copying a hundred models took longer than the check.
    """
    context = [n for n in (*CONFIG_NAMES, *_CONTEXT) if n != "models"]
    context += [f"models/{m}" for m in _planned_models(plan)]
    with tempfile.TemporaryDirectory(prefix="gitops-ml-plan-") as tmp:
        scratch = Path(tmp) / "repo"
        scratch.mkdir()
        if root is not None:
            for name in context:
                source = root / name
                if source.is_symlink():
                    continue
                if source.is_dir():
                    (scratch / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copytree(source, scratch / name, symlinks=True)
                elif source.is_file():
                    shutil.copy2(source, scratch / name)
        for rel, text in plan:
            # the copy keeps the repository's links: refuse one as the writer will,
            # rather than write the plan through it to wherever it points
            path = target(scratch, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        yield scratch


def lint_plan(root: Path | None, plan: Plan) -> tuple[Finding, ...]:
    """Lint the repository as it would be with ``plan`` written; return the findings."""
    from gitops_ml.lint.engine import LintOptions, run_lint

    models = _planned_models(plan)
    with _scratch(root, plan) as scratch:
        options = LintOptions(
            paths=(scratch,),
            root=scratch,
            render_only=tuple(scratch / "models" / m for m in models),
            cache_root=root,
        )
        result = run_lint(options)
    if not models:
        return result.findings
    # Only what the plan is about: the scratch copy leaves other models out (a Flux
    # entry for one of them names a folder that is not there), and a problem the
    # repository already has elsewhere is no reason to refuse a new model.
    # new-model lists its placeholders itself (placeholders()); lint keeps reporting them.
    ours = tuple(f"models/{m}/" for m in models)
    written = {rel for rel, _ in plan}
    return tuple(
        f
        for f in result.findings
        if f.rule != "placeholder-value"
        and (
            (f.file is not None and (f.file in written or f.file.startswith(ours)))
            or (f.overlay is not None and f"{f.overlay}/".startswith(ours))
        )
    )


def placeholders(spec: ModelSpec) -> tuple[tuple[str, str, str], ...]:
    """(what, value, the option that sets it) of each placeholder new-model writes."""
    out = []
    if spec.training_image is not None and spec.training_image.placeholder:
        out.append(("training image", spec.training_image.ref, "--training-image"))
    if spec.serving_image is not None and spec.serving_image.placeholder:
        out.append(("serving image", spec.serving_image.ref, "--image"))
    if spec.storage_placeholder and spec.storage_uri:
        out.append(("model URI", spec.storage_uri, "--storage-uri"))
    return tuple(out)


def with_airflow_manifests(root: Path | None, plan: Plan) -> Plan:
    """``plan`` plus the rendered training manifest of each Airflow DAG it writes."""
    from gitops_ml import airflow

    with _scratch(root, plan) as scratch:
        result = airflow.sync(scratch, load_config(scratch))
        if result.problems:
            raise UserError(f"cannot render the Airflow training manifests: {result.problems[0]}")
        files = dict(plan.files)
        for rel in result.written:
            files[rel] = (scratch / rel).read_text(encoding="utf-8")
    return Plan.of(files, plan.message)


def _write_and_commit(
    root: Path, plan: Plan, view: gitops.GitView | None, overwrite: bool = False
) -> tuple[tuple[str, ...], gitops.CommitResult | None]:
    """Write ``plan`` and commit it (when ``view``); a failed commit puts every file back."""

    def commit(paths: tuple[str, ...]) -> gitops.CommitResult | None:
        return gitops.commit_paths(view, paths, plan.message) if view and paths else None

    try:
        return write_plan(root, plan, overwrite=overwrite, then=commit)
    except UserError as exc:
        raise UserError(
            f"{exc}; nothing was changed (the files written were removed or restored)"
        ) from None


def _refuse_errors(findings: tuple[Finding, ...]) -> None:
    errors = [f for f in findings if f.severity >= Severity.ERROR]
    if not errors:
        return
    listed = "; ".join(f"{f.file}:{f.line or 1}: [{f.rule}] {f.message}" for f in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    raise UserError(f"the generated files do not pass lint, so nothing was written: {listed}{more}")


# -- init -----------------------------------------------------------------------------


def init_plan(spec: InitSpec) -> Plan:
    envs = environments(spec.environments)
    files: dict[str, str] = {
        "gitops-ml.yaml": repofiles.config_file(spec, envs),
        "README.md": repofiles.readme_file(spec, envs),
        ".pre-commit-config.yaml": repofiles.precommit_file(),
        ".github/workflows/gitops-ml-review.yaml": repofiles.workflow_file(),
        "models/README.md": (
            "# Models\n\nOne folder per model, written by `gitops-ml new-model`: `base/` and\n"
            "`overlays/<env>/`.\n"
        ),
    }
    files.update(repofiles.component_files())
    for env in envs:
        files.update(controllers.controller_files(spec.controller, env, spec.repo_url))
    return Plan.of(files, f"chore(repo): set up gitops-ml layout for {spec.controller}")


def _is_gitops_ml_repo(directory: Path) -> bool:
    return any(is_config_file(directory / name) for name in CONFIG_NAMES)


def init_repo(
    directory: Path, spec: InitSpec, *, commit: bool = True, force: bool = False
) -> Outcome:
    directory = directory.absolute()
    if directory.exists() and not directory.is_dir():
        raise UserError(f"{directory} is a file, not a folder")
    entries = [p for p in directory.iterdir() if p.name != ".git"] if directory.exists() else []
    plan = init_plan(spec)
    if entries and not _is_gitops_ml_repo(directory) and not force:
        raise UserError(
            f"{directory} is not empty and holds no gitops-ml.yaml; pass --force to add the "
            "layout beside its files (no existing file is overwritten)"
        )
    present = set(existing(directory, plan)) if directory.exists() else set()
    todo = plan.without(present)
    gitops.check_git_marker(directory)
    for rel in todo.paths:  # a link leading out is refused before `git init`, too
        target(directory, rel)
    _refuse_errors(lint_plan(None, plan))
    if commit and todo.files:
        gitops.check_identity(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {directory}: {exc.strerror or exc}") from None
    if not gitops.is_work_tree(directory):
        gitops.init_repository(directory)
    view = gitops.open_view(directory)
    if commit and todo.files:
        gitops.check_writable(view, todo.paths)
    written, result = _write_and_commit(directory, todo, view if commit else None)
    return Outcome(
        root=directory,
        plan=todo,
        written=written,
        skipped=tuple(sorted(present)),
        commit=result.sha if result else None,
        branch=result.branch if result else gitops.current_branch(view),
    )


# -- new-model ----------------------------------------------------------------------


def model_plan(root: Path, spec: ModelSpec, env_names: tuple[str, ...] | None) -> Plan:
    config = load_config(root)
    if env_names and config.explicit_environments:
        unknown = [n for n in env_names if n not in config.declared_environments]
        if unknown:
            raise UserError(
                f"--envs names {', '.join(map(repr, unknown))}, which {config.path} does not "
                f"configure; its environments are {', '.join(config.declared_environments)} "
                "(add an environment there first)"
            )
    names = env_names or tuple(e.name for e in config.environments) or DEFAULT_ENVS
    envs = environments(names, config)
    files = model_files(spec, envs)
    files.update(airflow_dags.dag_files(spec, envs, config.airflow))
    if config.controller == "flux":
        for env in envs:
            files.update(controllers.flux_model_file(spec.name, env))
    for rel, text in {**repofiles.component_files(), **queues.queue_files(spec, envs)}.items():
        if not (root / rel).exists():
            files[rel] = text
    message = f"feat(models): add {spec.name} ({spec.summary})"
    return Plan.of(files, message)


def _tier(config: Config, env: str) -> str:
    known = config.environment(env)
    return known.tier if known else infer_tier(env)


def _replacing(
    root: Path, name: str, plan: Plan, envs: tuple[str, ...]
) -> tuple[Plan, tuple[str, ...]]:
    """``plan`` over an existing model: files already as planned are dropped, and a changed
    base is refused while a prod-tier environment that ``--envs`` does not name reads it."""
    config = load_config(root)
    keep: dict[str, str] = {}
    replaced: list[str] = []
    for rel, text in plan:
        path = target(root, rel)  # no read through a link leading out, either
        if path.is_file():
            if path.read_text(encoding="utf-8", errors="replace") == text:
                continue
            replaced.append(rel)
        keep[rel] = text
    overlays = root / "models" / name / "overlays"
    others = sorted(p.name for p in overlays.iterdir() if p.is_dir()) if overlays.is_dir() else []
    guarded = [e for e in others if e not in envs and _tier(config, e) == "prod"]
    base = [rel for rel in replaced if rel.startswith(f"models/{name}/base/")]
    if base and guarded:
        raise UserError(
            f"--force would replace {base[0]}"
            + (f" and {len(base) - 1} more base file(s)" if len(base) > 1 else "")
            + f", which {', '.join(guarded)} also reads; add {guarded[0]} to --envs to replace "
            "them, or keep the base as it is; nothing was written"
        )
    if not keep:
        raise UserError(
            f"the files of {name} in {', '.join(envs)} are already as new-model writes them; "
            "nothing to replace"
        )
    listed = ", ".join(envs)
    message = f"feat(models): regenerate {name} in {listed}"
    if replaced:
        message += f", replacing {len(replaced)} file(s)\n\n" + "\n".join(
            f"- replaced {rel}" for rel in replaced
        )
    return Plan.of(keep, message), tuple(replaced)


def new_model(
    spec: ModelSpec,
    *,
    repo: Path | None = None,
    envs: tuple[str, ...] | None = None,
    branch: str | None = None,
    commit: bool = True,
    dry_run: bool = False,
    force: bool = False,
) -> Outcome:
    root = find_root(repo if repo is not None else Path.cwd(), required=True)
    if repo is not None and not repo.is_dir():
        raise UserError(f"--repo {repo} is not a folder")
    model_dir = root / "models" / spec.name
    if (model_dir.exists() or model_dir.is_symlink()) and not force:
        raise UserError(
            f"model {spec.name!r} already exists in models/{spec.name}; pass --force to "
            "regenerate its files"
        )
    exists = model_dir.exists() or model_dir.is_symlink()
    if exists and not envs:
        raise UserError(
            f"--force replaces files of the existing model {spec.name!r}; name the environments "
            "to regenerate with --envs (a prod-tier environment only when you mean it)"
        )
    plan = model_plan(root, spec, envs)
    if spec.airflow:
        plan = with_airflow_manifests(root, plan)
    replaced: tuple[str, ...] = ()
    if exists:
        plan, replaced = _replacing(root, spec.name, plan, envs or ())
    findings = lint_plan(root, plan)
    _refuse_errors(findings)
    if dry_run:
        return Outcome(root=root, plan=plan, findings=findings, dry_run=True, replaced=replaced)
    view = gitops.open_view(root) if commit or branch else None
    if view is not None:
        if commit:
            gitops.check_identity(root)
        gitops.check_writable(view, plan.paths)
    check_plan(root, plan, overwrite=force)  # every refusal before the branch switch
    previous = gitops.create_branch(view, branch) if view is not None and branch else None
    try:
        written, result = _write_and_commit(root, plan, view if commit else None, overwrite=force)
    except BaseException as exc:
        if view is None or previous is None or branch is None:
            raise
        back = gitops.leave_branch(view, previous, branch)  # the files are already put back
        if not isinstance(exc, UserError):
            raise
        done = (
            f"switched back to {previous} and deleted branch {branch}"
            if back
            else f"branch {branch} is still checked out"
        )
        raise UserError(f"{exc}; {done}") from None
    return Outcome(
        root=root,
        plan=plan,
        written=written,
        replaced=replaced,
        commit=result.sha if result else None,
        branch=gitops.current_branch(view) if view else None,
        findings=findings,
    )
