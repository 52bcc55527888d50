"""The command line: parse, call one library function, print, exit code.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 usage, configuration or input error (one sentence on stderr); 3 a bug
(the traceback is written to a file whose path is printed).

Heavy modules are imported inside the commands so ``--version`` and
``--help`` start fast.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gitops_ml import __version__
from gitops_ml.scaffold import spec

F = TypeVar("F", bound=Callable[..., Any])

ENGINES = ("auto", "pykustomize", "kustomize", "kubectl")

engine_option = click.option(
    "--engine",
    type=click.Choice(ENGINES),
    help="kustomize engine (default: auto, or $GITOPS_ML_ENGINE).",
)
repo_option = click.option(
    "-C",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=".",
    help="The GitOps repository (default: the current folder).",
)


class StackChoice(click.Choice):  # type: ignore[type-arg]
    """The names of a scaffold stack registry, read when click needs them (help, parsing).

    Reading late keeps the templates out of start-up and lets a stack registered
    after import (a plug-in, a test) show up.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        from gitops_ml.scaffold import stacks

        return stacks.training_names() if self.kind == "training" else stacks.serving_names()

    @choices.setter
    def choices(self, value: Any) -> None:
        pass  # click's __init__ sets them; they are the registry's


class StackOption(click.Option):
    """``--training`` / ``--serving``: the help lists each registered stack's summary."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from gitops_ml.scaffold import stacks

        registry = stacks.TRAINING_STACKS if self.name == "training" else stacks.SERVING_STACKS
        lead = "How the model is trained:" if self.name == "training" else "How it is served:"
        width = max(len(s.name) for s in registry)
        lines = (f"  {s.name:<{width}}  {s.summary}" for s in registry)
        self.help = "\b\n" + lead + "\n" + "\n".join(lines)
        return super().get_help_record(ctx)


EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_BUG = 3


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"gitops-ml: {message.rstrip('.')}.", err=True)
    sys.exit(code)


def handle_errors(func: F) -> F:
    """One top-level handler: user errors exit 2, bugs exit 3 with a traceback file."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from gitops_ml.errors import GitopsMlError

        try:
            return func(*args, **kwargs)
        except GitopsMlError as exc:
            if _debug():
                traceback.print_exc()
            _fail(str(exc), getattr(exc, "exit_code", EXIT_USAGE))
        except KeyboardInterrupt:
            click.echo("gitops-ml: interrupted.", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:
            sys.exit(0)
        except Exception as exc:
            if _debug():
                traceback.print_exc()
            from gitops_ml.cache import crash_report

            path = crash_report(traceback.format_exc())
            click.echo(
                f"gitops-ml: internal error ({type(exc).__name__}: {exc}); "
                f"the traceback is in {path}; please report it.",
                err=True,
            )
            sys.exit(EXIT_BUG)

    return wrapper  # type: ignore[return-value]


def _debug() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and root.params.get("debug")) or bool(os.environ.get("GITOPS_ML_DEBUG"))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gitops-ml")
@click.option("--debug", is_flag=True, help="Print tracebacks of errors.")
def main(debug: bool) -> None:
    """Generate and lint GitOps repositories for ML training and serving."""


def _progress_printer() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total < 8:
            return
        end = "\n" if done == total else ""
        click.echo(f"\rrendering overlays {done}/{total}", err=True, nl=False)
        if end:
            click.echo("\r\x1b[K", err=True, nl=False)

    return show


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    type=click.Choice(["text", "json", "sarif", "github", "markdown"]),
)
@click.option("--env", "envs", multiple=True, help="Lint only these environments (repeatable).")
@click.option(
    "--fail-on", default="error", show_default=True, type=click.Choice(["error", "warning", "info"])
)
@click.option("--kubernetes-version", help="Validate against this Kubernetes minor version.")
@engine_option
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Config file (default: gitops-ml.yaml at the repository root).",
)
@click.option(
    "--no-cache", is_flag=True, help="Render every overlay again, even if its files did not change."
)
@click.option("--allow-remote", is_flag=True, help="Let kustomize fetch remote bases.")
@click.option(
    "--staged",
    is_flag=True,
    help="Also lint what git's staged change affects, deleted and renamed files included "
    "(the pre-commit hook).",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report here.")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Print long messages in full (kustomize's whole error text), not shortened.",
)
@handle_errors
def lint(
    paths: tuple[Path, ...],
    fmt: str,
    envs: tuple[str, ...],
    fail_on: str,
    kubernetes_version: str | None,
    engine: str | None,
    config_path: Path | None,
    no_cache: bool,
    allow_remote: bool,
    staged: bool,
    output: Path | None,
    verbose: bool,
) -> None:
    """Render every overlay with kustomize, validate it and apply the ML rules.

    PATHS are folders or files (a pre-commit hook passes the changed files);
    only the overlays they affect are rendered; a change to gitops-ml.yaml
    affects them all. Default: the current folder, or with --staged only what
    the staged change affects.
    """
    from gitops_ml.findings import Severity
    from gitops_ml.lint.engine import LintOptions, run_lint
    from gitops_ml.lint.reporters import REPORTERS

    if fmt not in REPORTERS:
        _fail(f"the {fmt} format is not available in this version")
    result = run_lint(
        LintOptions(
            paths=paths or (() if staged else (Path("."),)),
            config_path=config_path,
            staged=staged,
            environments=envs,
            kubernetes_version=kubernetes_version,
            engine=engine,
            allow_remote=allow_remote,
            cache=not no_cache,
            progress=_progress_printer(),
        )
    )
    if verbose:
        result = result.in_full()
    color = (
        fmt == "text" and output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    report = REPORTERS[fmt](result, color)
    if output is not None:
        from gitops_ml.yamlio import write_output

        write_output(output, report)
    else:
        click.echo(report, nl=False)
    worst = result.max_severity()
    if worst is not None and worst >= Severity.parse(fail_on):
        sys.exit(EXIT_FINDINGS)


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@engine_option
@click.option("--allow-remote", is_flag=True, help="Let kustomize fetch remote bases (git, https).")
@handle_errors
def render(path: Path, engine: str | None, allow_remote: bool) -> None:
    """Print what kustomize builds from PATH (as `kubectl kustomize PATH`).

    The build is guarded as lint's is: a remote base (without --allow-remote),
    a path leading out of the repository, Helm or a KRM function, or a file over
    the size or alias limits is refused with one sentence and exit 2.
    """
    from gitops_ml.build import BuildOptions, render_folder
    from gitops_ml.errors import UserError
    from gitops_ml.kustomizations import find_kustomization_file, find_root
    from gitops_ml.yamlio import dump_plain

    if not path.is_dir() or find_kustomization_file(path) is None:
        raise UserError(f"{path} is not a folder with a kustomization.yaml")
    options = BuildOptions(engine=engine, allow_remote=allow_remote, cache=False)
    overlay = render_folder(find_root(path.resolve()), path, options)
    if overlay.skipped is not None:
        raise UserError(f"{path} is not built: {overlay.skipped}")
    if overlay.error is not None:
        raise UserError(f"kustomize build of {path} failed: {overlay.error}")
    click.echo(dump_plain([o.data for o in overlay.objects]), nl=False)


@main.command("status")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json", "markdown")),
    default="text",
    show_default=True,
)
@click.option("--env", "envs", multiple=True, help="Only these environments (repeatable).")
@engine_option
@click.option("--no-cache", is_flag=True, help="Render every overlay again.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report here.")
@repo_option
@handle_errors
def status_command(
    fmt: str,
    envs: tuple[str, ...],
    engine: str | None,
    no_cache: bool,
    output: Path | None,
    directory: Path,
) -> None:
    """Show what runs where: models x environments, in promotion order.

    Per cell: images, model URI, replicas, GPUs, the commit that last changed
    the overlay's files, and `*` where the version differs from the previous
    environment.
    """
    from gitops_ml.build import BuildOptions
    from gitops_ml.kustomizations import find_root
    from gitops_ml.status import STATUS_REPORTERS, StatusOptions, status

    result = status(
        StatusOptions(
            root=find_root(directory.resolve()),
            environments=envs,
            build=BuildOptions(engine=engine, cache=not no_cache),
        )
    )
    report = STATUS_REPORTERS[fmt](result)
    if output is not None:
        from gitops_ml.yamlio import write_output

        write_output(output, report)
    else:
        click.echo(report, nl=False)


@main.command("rules")
@handle_errors
def list_rules() -> None:
    """List every rule with its scope and default severity."""
    from gitops_ml.lint.rules import RULES

    width = max(len(r.id) for r in RULES)
    for rule in RULES:
        click.echo(
            f"{rule.id:<{width}}  {rule.severity!s:<7}  {rule.scope.value:<10}  {rule.summary}"
        )


@main.command()
@click.argument("rule_id")
@handle_errors
def explain(rule_id: str) -> None:
    """Print the documentation of one rule."""
    from gitops_ml.docs import options_section
    from gitops_ml.errors import UserError
    from gitops_ml.lint.rules import BY_ID

    rule = BY_ID.get(rule_id)
    if rule is None:
        raise UserError(f"no rule named {rule_id!r}; `gitops-ml rules` lists them")
    click.echo(rule.doc.strip())
    click.echo("\n" + options_section(rule))
    click.echo(f"\nDefault severity: {rule.severity}. Scope: {rule.scope.value}.")


@main.group()
def schemas() -> None:
    """Manage the JSON schemas used to validate custom resources."""


@schemas.command("import")
@click.argument("crd_files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for the schemas; name it under `crds:` in gitops-ml.yaml.",
)
@handle_errors
def schemas_import(crd_files: tuple[Path, ...], out_dir: Path) -> None:
    """Convert CustomResourceDefinition files into JSON schemas for lint."""
    from gitops_ml.crdschema import import_crd_files

    written = import_crd_files(list(crd_files), out_dir)
    for path in written:
        click.echo(str(path))


@main.command("diff")
@click.option("--base", "base", required=True, help="Compare against the merge base with this ref.")
@click.option("--head", "head", help="The ref to review (default: the working tree).")
@click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    type=click.Choice(["text", "markdown", "json"]),
)
@click.option("--env", "envs", multiple=True, help="Only these environments (repeatable).")
@engine_option
@click.option("--exit-code", is_flag=True, help="Exit 1 when the rendered objects differ.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the report here.")
@click.option(
    "-C",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=".",
    help="The GitOps repository (default: the current folder).",
)
@handle_errors
def diff_command(
    base: str,
    head: str | None,
    fmt: str,
    envs: tuple[str, ...],
    engine: str | None,
    exit_code: bool,
    output: Path | None,
    directory: Path,
) -> None:
    """Show what a change does to the rendered objects of each environment.

    Renders only the overlays the changed files reach, at the merge base of
    BASE and HEAD and at HEAD (the working tree by default), and lists added,
    removed and changed objects, ML-significant changes first, and the lint
    findings the change adds or fixes.
    """
    from gitops_ml.diff import DiffOptions, review
    from gitops_ml.diff.reporters import REVIEW_REPORTERS
    from gitops_ml.kustomizations import find_root

    result = review(
        DiffOptions(
            root=find_root(directory.resolve()),
            base=base,
            head=head,
            environments=envs,
            engine=engine,
        )
    )
    color = (
        fmt == "text" and output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    report = REVIEW_REPORTERS[fmt](result, color)
    if output is not None:
        from gitops_ml.yamlio import write_output

        write_output(output, report)
    else:
        click.echo(report, nl=False)
    if exit_code and result.has_differences:
        sys.exit(EXIT_FINDINGS)


@main.command()
@click.argument("model", required=False)
@click.option("--from", "source", required=True, help="The environment to copy the version from.")
@click.option("--to", "target", required=True, help="The environment to promote to.")
@click.option("--all", "all_models", is_flag=True, help="Every model whose target differs.")
@click.option(
    "--override-gate",
    "override_gates",
    multiple=True,
    metavar="GATE",
    help="Pass this gate of promotion: anyway (repeatable; each needs a --reason).",
)
@click.option("--reason", "reasons", multiple=True, help="Why the gate is overridden (recorded).")
@click.option("--branch", help="Commit on this new branch; the checkout stays as it is.")
@click.option(
    "--pr-body",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write a pull request body (markdown; split into numbered files past 65,536 characters).",
)
@click.option("--no-commit", is_flag=True, help="Write the files but do not commit them.")
@click.option("--dry-run", is_flag=True, help="Print the edit; write nothing.")
@engine_option
@repo_option
@handle_errors
def promote(
    model: str | None,
    source: str,
    target: str,
    all_models: bool,
    override_gates: tuple[str, ...],
    reasons: tuple[str, ...],
    branch: str | None,
    pr_body: Path | None,
    no_commit: bool,
    dry_run: bool,
    engine: str | None,
    directory: Path,
) -> None:
    """Copy MODEL's image tags, digests and model URI from one environment to another.

    Environment-specific settings (replicas, resources, namespace) stay as they
    are. The gates of `promotion:` in gitops-ml.yaml are checked first; the
    target is rendered and linted before anything is written, and the changed
    files are committed alone with Promoted-From/Promoted-Version/Gate trailers.
    """
    from gitops_ml.errors import UserError
    from gitops_ml.kustomizations import find_root
    from gitops_ml.promote import PromoteOptions, promotable_models

    if len(override_gates) != len(reasons):
        raise UserError("each --override-gate needs its own --reason saying why")
    if all_models == (model is not None):
        raise UserError("name one MODEL, or pass --all")
    if all_models and (branch or pr_body):
        raise UserError("--branch and --pr-body prepare one model's pull request; not with --all")
    root = find_root(directory.resolve())
    if pr_body is not None and not pr_body.resolve().parent.is_dir():
        raise UserError(f"--pr-body {pr_body}: its folder does not exist; nothing was promoted")
    models = promotable_models(root, source, target) if all_models else [model or ""]
    refused: list[str] = []
    for name in models:
        options = PromoteOptions(
            root=root,
            model=name,
            source=source,
            target=target,
            commit=not no_commit,
            dry_run=dry_run,
            engine=engine,
            overrides=tuple(zip(override_gates, reasons, strict=True)),
            branch=branch,
        )
        try:
            _promote_one(options, pr_body, all_models)
        except UserError as exc:
            if not all_models:
                raise
            refused.append(name)
            click.echo(f"{name}: refused: {exc}", err=True)
    if all_models:
        click.echo(
            f"promoted {len(models) - len(refused)} of {len(models)} model(s) from {source} "
            f"to {target}" + (f"; refused: {', '.join(refused)}" if refused else "")
        )
        if refused:
            sys.exit(EXIT_FINDINGS)


def _promote_one(options: Any, pr_body: Path | None, named: bool = False) -> None:
    from gitops_ml.promote import promote as run_promote

    result = run_promote(options)
    prefix = f"{options.model}: " if named else ""  # --all: say which model each line is
    for edit in result.edits:
        click.echo(f"{prefix}{edit.file}: {edit.what} {edit.name}: {edit.old} -> {edit.new}")
    for gate in result.evidence.gates if result.evidence else ():
        state = f"overridden ({gate.override})" if gate.override else "passed"
        click.echo(f"{prefix}gate {gate.name} {state}: {gate.detail}")
    if options.dry_run:
        click.echo(result.diff, nl=False)
        click.echo("dry run: nothing written")
    elif result.commit and result.branch:
        click.echo(f"committed {result.commit[:12]} on new branch {result.branch}")
    elif result.commit:
        click.echo(f"committed {result.commit[:12]}: {result.message.splitlines()[0]}")
    else:
        click.echo(f"wrote {', '.join(result.files)} (not committed)")
    if pr_body is not None:
        _write_pr_body(options, result, pr_body)


def _write_pr_body(options: Any, result: Any, path: Path) -> None:
    from gitops_ml import promotion

    diff = f"```diff\n{result.diff}```\n"
    if result.base and (result.commit or result.written):
        from gitops_ml.diff import DiffOptions, review
        from gitops_ml.diff.reporters import REVIEW_REPORTERS

        rendered = review(
            DiffOptions(
                root=options.root,
                base=result.base,
                head=result.commit,
                environments=(options.target,),
                engine=options.engine,
            )
        )
        diff = REVIEW_REPORTERS["markdown"](rendered, False)
    edits = "\n".join(
        f"- {e.what} `{e.name}`: `{e.old}` → `{e.new}` ({e.file})" for e in result.edits
    )
    assert result.evidence is not None
    text = promotion.pr_body_text(
        model=options.model,
        source=options.source,
        target=options.target,
        evidence=result.evidence,
        edits=edits,
        diff=diff,
    )
    paths = promotion.write_pr_body(path, text)
    if len(paths) > 1:
        click.echo(
            f"wrote the pull request body in {len(paths)} parts (GitHub takes 65,536 characters "
            f"per body or comment): {', '.join(str(p) for p in paths)}"
        )
    else:
        click.echo(f"wrote the pull request body to {path}")


# -- scaffolding: init and new-model ------------------------------------------------------


def _print_outcome(outcome: Any, what: str) -> None:
    for path in outcome.written:
        click.echo(f"  wrote {path}")
    for path in outcome.skipped:
        click.echo(f"  kept  {path} (exists)")
    for finding in outcome.findings:
        click.echo(
            f"  {finding.severity} {finding.rule}: {finding.file}:{finding.line or 1} "
            f"{finding.message}",
            err=True,
        )
    if outcome.commit:
        click.echo(f"{what}: committed {outcome.commit[:12]} on {outcome.branch or 'HEAD'}")
    elif outcome.written:
        click.echo(f"{what}: wrote {len(outcome.written)} file(s), not committed")
    else:
        click.echo(f"{what}: nothing to write")


@main.command("init")
@click.argument("directory", type=click.Path(path_type=Path), default=".")
@click.option("--controller", required=True, type=click.Choice(spec.CONTROLLERS))
@click.option("--repo-url", help="URL the controller clones (default: a placeholder).")
@click.option("--envs", help="Environments in promotion order (default: dev,staging,prod).")
@click.option("--no-commit", is_flag=True, help="Write the files but do not commit them.")
@click.option(
    "--force", is_flag=True, help="Add the layout to a non-empty folder (never overwrites)."
)
@handle_errors
def init_command(
    directory: Path,
    controller: str,
    repo_url: str | None,
    envs: str | None,
    no_commit: bool,
    force: bool,
) -> None:
    """Create a GitOps repository for ML models in DIRECTORY (git init when needed)."""
    from gitops_ml.scaffold import init_repo, init_spec

    outcome = init_repo(
        directory, init_spec(controller, repo_url, envs), commit=not no_commit, force=force
    )
    _print_outcome(outcome, f"initialised {outcome.root}")


@main.command("new-model")
@click.argument("name")
@click.option(
    "--framework",
    required=True,
    type=click.Choice(spec.FRAMEWORKS),
)
@click.option(
    "--serving",
    cls=StackOption,
    default="kserve",
    show_default=True,
    type=StackChoice("serving"),
)
@click.option(
    "--training",
    cls=StackOption,
    default="none",
    show_default=True,
    type=StackChoice("training"),
)
@click.option("--image", help="Serving image (for --serving deployment or --framework custom).")
@click.option("--training-image", help="Training image, pinned (name:tag or name@digest).")
@click.option("--storage-uri", help="Where the model is stored, e.g. s3://models/fraud/v3.")
@click.option("--gpus", type=int, default=0, show_default=True, help="GPUs per training pod.")
@click.option("--workers", type=int, help="Worker replicas besides the master/chief (default 1).")
@click.option("--schedule", metavar="CRON", help="Retrain on this cron schedule (UTC).")
@click.option(
    "--orchestrator",
    default="kubernetes",
    show_default=True,
    type=click.Choice(spec.ORCHESTRATORS),
    help="Who starts scheduled runs: a CronJob, or one Airflow DAG per environment.",
)
@click.option(
    "--router",
    default="none",
    show_default=True,
    type=click.Choice(spec.ROUTERS),
    help="With --serving llm: gateway adds a Gateway API HTTPRoute to its InferencePool.",
)
@click.option(
    "--queue",
    metavar="NAME",
    help="Queue training runs in this Kueue LocalQueue (written per environment).",
)
@click.option("--envs", help="Environments to generate (default: those in gitops-ml.yaml).")
@click.option(
    "--repo",
    type=click.Path(path_type=Path),
    help="The GitOps repository (default: the one holding the current folder).",
)
@click.option("--branch", help="Create and switch to this branch before committing.")
@click.option("--no-commit", is_flag=True, help="Write the files but do not commit them.")
@click.option("--dry-run", is_flag=True, help="Print the files it would write; change nothing.")
@click.option("--show", is_flag=True, help="With --dry-run, print the files' contents too.")
@click.option("--force", is_flag=True, help="Regenerate an existing model's files.")
@handle_errors
def new_model_command(
    name: str,
    framework: str,
    serving: str,
    training: str,
    image: str | None,
    training_image: str | None,
    storage_uri: str | None,
    gpus: int,
    workers: int | None,
    schedule: str | None,
    orchestrator: str,
    router: str,
    queue: str | None,
    envs: str | None,
    repo: Path | None,
    branch: str | None,
    no_commit: bool,
    dry_run: bool,
    show: bool,
    force: bool,
) -> None:
    """Add a model: a kustomize base and one overlay per environment, linted, committed."""
    from gitops_ml.scaffold import model_spec, new_model
    from gitops_ml.scaffold.spec import check_branch, parse_envs

    spec = model_spec(
        name,
        framework=framework,
        serving=serving,
        training=training,
        image=image,
        training_image=training_image,
        storage_uri=storage_uri,
        gpus=gpus,
        workers=workers,
        schedule=schedule,
        orchestrator=orchestrator,
        router=router,
        queue=queue,
    )
    outcome = new_model(
        spec,
        repo=repo,
        envs=parse_envs(envs),
        branch=check_branch(branch),
        commit=not no_commit,
        dry_run=dry_run,
        force=force,
    )
    from gitops_ml.scaffold.api import placeholders

    for what, value, option in placeholders(spec):
        click.echo(
            f"  placeholder {what}: {value} (set it with {option}; lint reports it, "
            "an error in prod, until it is replaced)",
            err=True,
        )
    replaced = set(outcome.replaced)
    if dry_run:
        for path, text in outcome.plan:
            click.echo(f"would {'replace' if path in replaced else 'write'} {path}")
            if show:
                click.echo(text)
        more = f" ({len(replaced)} existing, replaced)" if replaced else ""
        click.echo(f"dry run: {len(outcome.plan.files)} file(s){more}, nothing written")
        return
    for path in outcome.replaced:
        click.echo(f"  replaced {path}")
    _print_outcome(outcome, f"{'regenerated' if force else 'added'} model {name}")


@main.group()
def airflow() -> None:
    """Airflow DAGs that launch the repository's own training runs."""


@airflow.command("sync")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a manifest is out of date.")
@engine_option
@click.option("--allow-remote", is_flag=True, help="Let kustomize fetch remote bases.")
@repo_option
@handle_errors
def airflow_sync(check: bool, engine: str | None, allow_remote: bool, directory: Path) -> None:
    """Re-render each generated DAG's overlay into its committed training manifest."""
    from gitops_ml.airflow import check_settings, sync
    from gitops_ml.config import load_config
    from gitops_ml.kustomizations import find_root

    root = find_root(directory.resolve())
    config = load_config(root)
    check_settings(config)
    result = sync(root, config, engine, check=check, allow_remote=allow_remote)
    for problem in result.problems:
        click.echo(f"gitops-ml: {problem}", err=True)
    verb = "out of date" if check else "wrote"
    for path in result.written:
        click.echo(f"  {verb} {path}")
    click.echo(
        f"airflow sync: {len(result.written)} {'stale' if check else 'updated'}, "
        f"{len(result.unchanged)} up to date"
    )
    if result.problems:
        sys.exit(EXIT_USAGE)
    if check and result.written:
        sys.exit(EXIT_FINDINGS)


if __name__ == "__main__":  # pragma: no cover
    main()
