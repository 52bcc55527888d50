"""The lint pipeline.

discover -> load sources -> check sources -> render leaves -> trace origins ->
object rules (schemas first) -> overlay rules -> repository rules ->
suppressions and severities -> result.

Errors inside the pipeline are findings and the run goes on; only setup
problems (a missing path, an invalid config) raise ``UserError``.
"""

from __future__ import annotations

import os
import posixpath
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gitops_ml import airflow, build_errors, yamlio
from gitops_ml.build import Build, BuildOptions, repository
from gitops_ml.config import CONFIG_NAMES, Config, check_rule_environments, load_config
from gitops_ml.errors import UserError, YamlError
from gitops_ml.findings import Finding, ObjectKey, Severity, merge_environments
from gitops_ml.kustomizations import Kustomization, Repository, find_root, locate, rel
from gitops_ml.lint import controllers
from gitops_ml.lint.context import LintContext, RenderedObject, RenderedOverlay, SourceFile
from gitops_ml.lint.locate import Locator
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.lint.suppress import Suppressions
from gitops_ml.paths import confined, inside, under
from gitops_ml.schemas import registry_for

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class LintOptions:
    paths: tuple[Path, ...] = (Path("."),)
    config_path: Path | None = None
    environments: tuple[str, ...] = ()
    kubernetes_version: str | None = None
    engine: str | None = None
    allow_remote: bool = False
    progress: Progress | None = None
    rules: tuple[Rule, ...] | None = None
    # an environment in ``environments`` that the repository does not have is an error
    # (off for a caller that checked the names itself, like diff across two trees)
    check_environments: bool = True
    root: Path | None = None
    cache: bool = True  # reuse renders of overlays whose files did not change
    # a full run that renders only the leaves under these folders (new-model's check)
    render_only: tuple[Path, ...] = ()
    # whose caches to use: a scratch copy of a repository can use the repository's
    cache_root: Path | None = None
    # also lint what git's staged change reaches, deletions and renames included
    # (the pre-commit hook: pre-commit passes no deleted file)
    staged: bool = False

    def build_options(self) -> BuildOptions:
        return BuildOptions(
            engine=self.engine,
            allow_remote=self.allow_remote,
            cache=self.cache,
            cache_root=self.cache_root,
            progress=self.progress,
        )


@dataclass(frozen=True)
class LintResult:
    root: Path
    findings: tuple[Finding, ...]
    suppressed: tuple[Finding, ...] = ()
    overlays: int = 0
    objects: int = 0
    files: int = 0
    elapsed: float = 0.0
    engine: str = ""
    kubernetes_version: str = ""
    environments: tuple[str, ...] = ()
    cel_transition_rules: int = 0  # CRD rules using oldSelf, of rendered kinds: not judged
    context: LintContext | None = field(default=None, compare=False, repr=False)

    def in_full(self) -> LintResult:
        """This result with each shortened message replaced by its whole text."""

        def full(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
            return tuple(replace(f, message=f.detail) if f.detail else f for f in findings)

        return replace(self, findings=full(self.findings), suppressed=full(self.suppressed))

    def max_severity(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def counts(self) -> dict[str, int]:
        out = {str(s): 0 for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)}
        for f in self.findings:
            out[str(f.severity)] += 1
        return out

    def summary(self) -> dict[str, Any]:
        return {
            **self.counts(),
            "suppressed": len(self.suppressed),
            "overlays": self.overlays,
            "objects": self.objects,
            "files": self.files,
            "elapsed_seconds": round(self.elapsed, 3),
            "engine": self.engine,
            "kubernetesVersion": self.kubernetes_version,
            "celTransitionRulesSkipped": self.cel_transition_rules,
        }


def _all_rules(options: LintOptions) -> tuple[Rule, ...]:
    if options.rules is not None:
        return options.rules
    from gitops_ml.lint.rules import RULES

    return RULES


def run_lint(options: LintOptions) -> LintResult:
    started = time.perf_counter()
    paths = tuple(p.resolve() for p in options.paths)
    if not paths and not options.staged:
        paths = (Path(".").resolve(),)
    for p in paths:
        if not p.exists():
            raise UserError(f"path {p} does not exist")
    root = (options.root or find_root(paths[0] if paths else Path(".").resolve())).resolve()
    for p in paths:
        try:
            p.relative_to(root)
        except ValueError:
            raise UserError(f"path {p} is outside the repository {root}") from None
    config = load_config(root, options.config_path)
    version = options.kubernetes_version or config.kubernetes_version
    crd_dirs = _crd_dirs(root, config)
    try:
        schemas = registry_for(version, crd_dirs)
    except ValueError as exc:
        where = "--kubernetes-version" if options.kubernetes_version else None
        if where is None and config.path is not None:
            where = f"kubernetesVersion in {config.path}"
        raise UserError(f"{where}: {exc}" if where else str(exc)) from None
    repo = repository(root, config.ignore, options.build_options())
    config = config.with_environments(repo.environments(config.is_environment))
    known = _env_names(config, repo)
    check_rule_environments(config, known, root)
    if options.check_environments:
        check_environments(options.environments, known)
    changed = paths
    if options.staged:
        staged = _staged(root)
        paths = (*paths, *(p for p in staged if p.exists() and p not in paths))
        changed = (*paths, *(p for p in staged if not p.exists()))
    full_run = any(p == root for p in paths) or _reaches_everything(
        root, config, options.config_path, crd_dirs, changed
    )
    if full_run:
        paths, changed = (root,), (root,)
    ctx = LintContext(root=root, config=config, repo=repo, schemas=schemas, full_run=full_run)
    ctx.policies = _load_policies(root, config)
    rules = _all_rules(options)

    _collect_dags(ctx)
    dag_inputs = _dag_inputs(ctx)
    leaves = repo.leaves if full_run else repo.leaves_affected_by(changed, dag_inputs)
    if options.render_only:
        wanted = tuple(p.resolve() for p in options.render_only)
        leaves = tuple(k for k in leaves if any(under(k.dir, w) for w in wanted))
    if options.environments:
        leaves = tuple(k for k in leaves if locate(k.rel_dir).name in options.environments)
    _load_sources(ctx, repo, leaves, paths, full_run)
    with Build(repo, options.build_options(), config.is_environment) as build:
        _render(ctx, build, leaves, dag_inputs, prune=full_run and not options.render_only)
        ctx.trace = build.trace
        ctx.history = _history_reader(ctx)
        _load_manifests(ctx, paths, options.environments)
        ctx.controllers = controllers.collect(ctx)
        kept, suppressed = _findings(ctx, rules)
    ctx.trace = None
    if options.environments:
        # every scope: a source or repository finding of another environment goes too
        kept = [f for f in kept if _in_environments(f, options.environments)]
        suppressed = [f for f in suppressed if _in_environments(f, options.environments)]
    # a base shared by several overlays: one finding with their environments
    order = [e.name for e in config.environments]
    kept = sorted(merge_environments(kept, order), key=Finding.sort_key)
    suppressed = merge_environments(suppressed, order)
    return LintResult(
        root=root,
        findings=tuple(kept),
        suppressed=tuple(suppressed),
        overlays=len(ctx.overlays),
        objects=sum(1 for _ in ctx.objects()),
        files=len(ctx.sources),
        elapsed=time.perf_counter() - started,
        engine=build.engine_name,
        kubernetes_version=schemas.kubernetes_version,
        environments=tuple(e.name for e in config.environments),
        cel_transition_rules=_transition_rules(ctx),
        context=ctx,
    )


def known_environments(root: Path, cache_root: Path | None = None) -> tuple[str, ...]:
    """What ``--env`` may name in the repository at ``root``: its environments, configured
    or found by discovery, then the names of other overlays (variants such as ``stable``).
    """
    config = load_config(root)
    repo = repository(root, config.ignore, BuildOptions(cache_root=cache_root))
    return _env_names(config.with_environments(repo.environments(config.is_environment)), repo)


def _env_names(config: Config, repo: Repository) -> tuple[str, ...]:
    names = [e.name for e in config.environments]
    names += [n for n in (locate(k.rel_dir).name for k in repo.leaves) if n]
    # plain manifests in clusters/<env>/ or overlays/<env>/ (a Flux repository's folders)
    folders = {f.parent for f in repo.yaml_files}
    names += sorted(n for n in (locate(rel(repo.root, d)).name for d in folders) if n)
    return tuple(dict.fromkeys(names))


def check_environments(wanted: Iterable[str], known: Iterable[str]) -> None:
    """Refuse an ``--env`` that names none of the repository's environments."""
    known = list(known)
    for name in wanted:
        if name not in known:
            listed = ", ".join(known) if known else "none (no gitops-ml.yaml, no overlays/<env>)"
            raise UserError(
                f"--env {name!r} is not an environment of this repository; known: {listed}"
            )


def _in_environments(finding: Finding, wanted: tuple[str, ...]) -> bool:
    """Whether ``--env`` keeps a finding: its environment, or its overlay variant, is wanted;
    one of no environment and no overlay (a shared base) is kept."""
    if finding.environment is not None:
        return finding.environment in wanted
    where = finding.overlay or (posixpath.dirname(finding.file) if finding.file else "")
    name = locate(where).name
    return name is None or name in wanted


def _transition_rules(ctx: LintContext) -> int:
    """How many CEL rules of the rendered kinds compare with the cluster's copy (oldSelf)."""
    kinds = {(obj.key.api_version, obj.kind) for obj in ctx.objects()}
    trees = [(k, ctx.schemas.cel_rules(*k)) for k in sorted(kinds)]
    if not any(tree for _, tree in trees):
        return 0
    from gitops_ml.crdrules import transition_rules

    return sum(len(transition_rules(tree)) for _, tree in trees if tree)


def _history_reader(ctx: LintContext) -> Callable[[str], list[tuple[str, Any]] | None]:
    """``LintContext.history``: an overlay's past versions, read from git once, on demand.

    None outside git. GitPython is imported only when a rule asks; the overlay's
    inputs come from the run's own kustomization graph.
    """
    root = ctx.root
    cache: dict[str, list[tuple[str, Any]] | None] = {}

    def read(overlay: str) -> list[tuple[str, Any]] | None:
        if overlay not in cache:
            from gitops_ml import git as gitops
            from gitops_ml import promotion

            try:
                view = gitops.open_view(root)
            except UserError:
                cache[overlay] = None
            else:
                leaf = ctx.repo.kustomizations.get((root / overlay).resolve())
                files = ctx.repo.input_files(leaf) if leaf else []
                cache[overlay] = [
                    (entry.change.commit, entry.version)
                    for entry in promotion.version_history(view, overlay, files)
                ]
        return cache[overlay]

    return read


def _staged(root: Path) -> tuple[Path, ...]:
    from gitops_ml import git as gitops

    view = gitops.open_view(root)
    return tuple(root / p for p in gitops.staged_paths(view))


def _reaches_everything(
    root: Path,
    config: Config,
    explicit: Path | None,
    crd_dirs: tuple[Path, ...],
    changed: tuple[Path, ...],
) -> bool:
    """Whether a changed path is one every overlay's findings depend on: the config
    (environments, namespaces, rule settings) or a CRD schema folder it names."""
    configs = {(root / name).resolve() for name in CONFIG_NAMES}
    if explicit is not None:
        configs.add(explicit.resolve())
    if config.path:
        configs.add((root / config.path).resolve())
    dirs = [d.resolve() for d in crd_dirs]
    return any(p in configs or any(under(p, d) for d in dirs) for p in changed)


def _crd_dirs(root: Path, config: Config) -> tuple[Path, ...]:
    dirs = []
    for entry in config.crds:
        path = (root / entry).resolve()
        try:
            path.relative_to(root)
        except ValueError:
            raise UserError(
                f"crds entry {entry!r} in the config is outside the repository"
            ) from None
        if not path.exists():
            raise UserError(f"crds entry {entry!r} in the config does not exist")
        dirs.append(path)
    return tuple(dirs)


def _load_policies(root: Path, config: Config) -> list[RenderedObject]:
    """The objects of the files under ``policies:``: no environment, so they apply to all."""
    out: list[RenderedObject] = []
    for entry in config.policies:
        what = f"policies entry {entry!r} in the config"
        path = confined(root, entry, what=what)
        if path.is_dir():
            files = sorted(
                f for f in path.rglob("*") if f.suffix in (".yaml", ".yml") and not f.is_symlink()
            )
            files = [f for f in files if inside(root, rel(root, f))]
        elif path.is_file():
            files = [path]
        else:
            raise UserError(f"{what} does not exist")
        for file in files:
            rel_path = rel(root, file)
            try:
                loaded = yamlio.load_fast(yamlio.read_text(file, rel_path))
            except YamlError as exc:
                where = f":{exc.line}" if exc.line else ""
                raise UserError(f"{rel_path}{where} (under policies:): {exc.message}") from None
            for index, doc in enumerate(loaded.documents):
                if isinstance(doc, dict) and "kind" in doc:
                    out.append(
                        RenderedObject(
                            data=doc,
                            key=ObjectKey.of(doc),
                            origin=rel_path,
                            overlay=None,
                            environment=None,
                            model=None,
                            index=index,
                        )
                    )
    return out


# -- sources ---------------------------------------------------------------------


def _source_of(ctx: LintContext, path: Path, k: Kustomization | None = None) -> SourceFile:
    rel_path = rel(ctx.root, path)
    if rel_path in ctx.sources:
        return ctx.sources[rel_path]
    if k is not None:
        source = SourceFile(
            path=path,
            rel=rel_path,
            documents=(k.data,) if k.data else (),
            error=k.error,
            tab_lines=k.tab_lines,
            kustomization=k,
        )
    else:
        try:
            loaded = yamlio.load_fast(yamlio.read_text(path, rel_path))
            source = SourceFile(
                path=path, rel=rel_path, documents=loaded.documents, tab_lines=loaded.tab_lines
            )
        except YamlError as exc:
            source = SourceFile(path=path, rel=rel_path, error=exc)
    ctx.sources[rel_path] = source
    return source


def _load_sources(
    ctx: LintContext,
    repo: Repository,
    leaves: Iterable[Kustomization],
    paths: tuple[Path, ...],
    full_run: bool,
) -> None:
    kustomizations: dict[Path, Kustomization] = {}
    if full_run:
        kustomizations.update(repo.kustomizations)
    else:
        for leaf in leaves:
            for k in repo.closure(leaf):
                if k.dir in repo.kustomizations:  # not an ignored or hidden base it includes
                    kustomizations[k.dir] = k
        for k in repo.kustomizations.values():
            if any(p == k.file or under(k.dir, p) for p in paths):
                kustomizations[k.dir] = k
    for k in sorted(kustomizations.values(), key=lambda k: k.rel_file):
        _source_of(ctx, k.file, k)


# -- Airflow DAGs ------------------------------------------------------------------


def _collect_dags(ctx: LintContext) -> None:
    """The DAG files and the manifests generated DAGs launch, read once for every rule."""
    ctx.dags = tuple(airflow.read_dags(ctx.root, ctx.config))
    for dag in ctx.dags:
        manifest = dag.manifest_rel() if dag.generated else None
        if manifest is not None and manifest not in ctx.dag_manifests:
            ctx.dag_manifests[manifest] = airflow.load_manifest(ctx.root, manifest)


def _dag_inputs(ctx: LintContext) -> dict[Path, set[Path]]:
    """Leaf folder -> the DAG files that launch it and their manifests.

    They are inputs of what lint checks for that overlay (airflow-drift compares
    them with its build): a pre-commit run on a DAG renders the overlay it
    names, and the overlay's render cache entry depends on them.
    """
    out: dict[Path, set[Path]] = {}
    for dag in ctx.dags:
        overlay = dag.value_of("overlay") if dag.generated else None
        if overlay is None:
            continue
        directory = Path(os.path.normpath(ctx.root / overlay))
        if directory not in ctx.repo.kustomizations:
            continue
        files = out.setdefault(directory, set())
        files.add(ctx.root / dag.rel)
        manifest = dag.manifest_rel()
        if manifest is not None:
            files.add(ctx.root / manifest)
    return out


# -- rendering ---------------------------------------------------------------------


def _render(
    ctx: LintContext,
    build: Build,
    leaves: tuple[Kustomization, ...],
    extra_inputs: Mapping[Path, Iterable[Path]],
    prune: bool,
) -> None:
    ctx.overlays = build.overlays(leaves, extra_inputs, prune=prune)
    for overlay in ctx.overlays:
        if overlay.skipped is not None or overlay.error is not None:
            # what was not built (or failed) still gets yaml-syntax on its own files
            _load_closure_files(ctx, overlay.kustomization)
    _learn_crds(ctx, ctx.overlays)


def _findings(ctx: LintContext, rules: tuple[Rule, ...]) -> tuple[list[Finding], list[Finding]]:
    locator = Locator(ctx)
    suppressions = Suppressions(ctx, locator)
    findings: list[Finding] = []
    for rule in rules:
        for subject, violation in _run_rule(ctx, rule):
            for placed in _placed(locator, subject, violation):
                finding = _finding(ctx, locator, rule, subject, placed)
                if finding is not None:
                    findings.append(finding)
    # a base shared by several overlays gives the same finding once per overlay
    findings = list(dict.fromkeys(findings))
    kept, suppressed = suppressions.apply(findings)
    kept.sort(key=Finding.sort_key)
    return kept, suppressed


def _load_closure_files(ctx: LintContext, leaf: Kustomization) -> None:
    """After a failed build, read its files so a YAML error gets its own line."""
    for path in sorted(ctx.repo.files_of(leaf)):
        if path.suffix in (".yaml", ".yml") or path.name == "Kustomization":
            k = ctx.repo.kustomizations.get(path.parent)
            _source_of(ctx, path, k if k is not None and k.file == path else None)


def _learn_crds(ctx: LintContext, overlays: Iterable[RenderedOverlay]) -> None:
    """CRDs the repository itself installs validate its custom resources."""
    crds = [
        obj.data
        for overlay in overlays
        for obj in overlay.objects
        if obj.kind == "CustomResourceDefinition"
        and obj.key.api_version == "apiextensions.k8s.io/v1"
    ]
    if not crds:
        return
    try:
        from gitops_ml.crdschema import convert_crd
    except ImportError:
        return
    for crd in crds:
        try:
            converted = convert_crd(crd)
        except Exception:  # a CRD we cannot convert is validated by schema-invalid itself
            continue
        for item in converted:
            api_version = f"{item.group}/{item.version}"
            ctx.schemas.add_schema(api_version, item.kind, item.schema, item.rules)


def _load_manifests(ctx: LintContext, paths: tuple[Path, ...], envs: tuple[str, ...]) -> None:
    # Airflow's copies of rendered training objects are checked against their overlay by
    # airflow-drift; linting them again as manifests would repeat the overlay's findings.
    rendered_copies = (ctx.root / ctx.config.airflow.dags_folder / "manifests").resolve()
    for path in ctx.repo.plain_manifests(paths):
        if under(path, rendered_copies):
            continue
        source = _source_of(ctx, path)
        loc = locate(rel(ctx.root, path.parent), ctx.config.is_environment)
        if envs and loc.name not in envs:
            continue
        docs = [(i, d) for i, d in enumerate(source.documents) if d is not None]
        if not any(isinstance(d, dict) and ("kind" in d or "apiVersion" in d) for _, d in docs):
            continue  # not Kubernetes YAML: nothing to validate
        for index, doc in docs:
            if not isinstance(doc, dict):
                doc = {"__document__": doc}
            ctx.manifests.append(
                RenderedObject(
                    data=doc,
                    key=ObjectKey.of(doc),
                    origin=source.rel,
                    overlay=None,
                    environment=loc.environment,
                    model=loc.model,
                    index=index,
                )
            )


# -- rules -------------------------------------------------------------------------


def _run_rule(ctx: LintContext, rule: Rule) -> Iterator[tuple[Any, Violation]]:
    if rule.scope is Scope.SOURCE:
        for source in list(ctx.sources.values()):
            env = locate(posixpath.dirname(source.rel), ctx.config.is_environment).environment
            if _enabled(ctx, rule, env):
                options = _options(ctx, rule, env)
                yield from ((source, v) for v in rule.check(ctx, source, options))
    elif rule.scope is Scope.OBJECT:
        for obj in ctx.objects():
            if not rule.applies_to_kind(obj.kind) or not _enabled(ctx, rule, obj.environment):
                continue
            if "__document__" in obj.data and rule.id != "schema-invalid":
                continue
            yield from (
                (obj, v) for v in rule.check(ctx, obj, _options(ctx, rule, obj.environment))
            )
    elif rule.scope is Scope.OVERLAY:
        for overlay in ctx.overlays:
            if _enabled(ctx, rule, overlay.environment):
                options = _options(ctx, rule, overlay.environment)
                yield from ((overlay, v) for v in rule.check(ctx, overlay, options))
    elif _enabled_anywhere(ctx, rule):
        # each finding is then kept or dropped by its own environment's setting
        yield from ((ctx, v) for v in rule.check(ctx, ctx, _options(ctx, rule, None)))


def _enabled(ctx: LintContext, rule: Rule, env: str | None) -> bool:
    return ctx.config.rule(rule.id, env).enabled


def _enabled_anywhere(ctx: LintContext, rule: Rule) -> bool:
    names = [None, *(e.name for e in ctx.config.environments)]
    return any(_enabled(ctx, rule, name) for name in names)


def _options(ctx: LintContext, rule: Rule, env: str | None) -> dict[str, Any]:
    return rule.resolve_options(ctx.config.rule(rule.id, env).options)


def _placed(locator: Locator, subject: Any, violation: Violation) -> list[Violation]:
    """The violation, or one copy per source file when it is to be fixed in each."""
    obj = violation.obj or (subject if isinstance(subject, RenderedObject) else None)
    if not violation.every_source or obj is None or violation.file is not None:
        return [violation]
    return [
        replace(violation, file=file, line=line, column=column)
        for file, line, column in locator.every_place(obj, violation.path)
        if file is not None
    ] or [violation]


def _finding(
    ctx: LintContext, locator: Locator, rule: Rule, subject: Any, violation: Violation
) -> Finding | None:
    obj = violation.obj or (subject if isinstance(subject, RenderedObject) else None)
    overlay = violation.overlay or (subject if isinstance(subject, RenderedOverlay) else None)
    env = obj.environment if obj else overlay.environment if overlay else violation.environment
    overlay_path = obj.overlay if obj else overlay.path if overlay else None
    file, line, column = locator.locate(subject, violation)
    if env is None and file is not None:
        env = locate(
            posixpath.dirname(file), ctx.config.is_environment
        ).environment  # a source or repository finding
    if not ctx.config.rule(rule.id, env).enabled:
        return None
    severity = ctx.config.rule(rule.id, env).severity or violation.severity or rule.severity
    message = build_errors.relative(violation.message, ctx.root)
    detail = build_errors.relative(violation.detail, ctx.root) if violation.detail else ""
    if len(message) > build_errors.LIMIT:
        detail = detail or message
        message = build_errors.shorten(message, build_errors.LIMIT)
    return Finding(
        rule=rule.id,
        severity=severity,
        message=message,
        detail=detail,
        file=file,
        line=line,
        column=column,
        object=obj.key if obj and "__document__" not in obj.data else None,
        environment=env,
        overlay=overlay_path,
        hint=rule.remediation,
    )
