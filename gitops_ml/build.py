"""The build layer: everything that produces rendered objects goes through here.

It owns the build options, the guard that runs before kustomize is handed a
folder (cycles; Helm, exec and KRM functions; paths leading out of the
repository; remote bases without ``allow_remote``; files over the size, alias
or nesting limits), the render cache, origin tracing, and the types of what a
build gives: ``RenderedObject`` and ``RenderedOverlay``.

Lint, diff, promote, new-model's check, ``render`` and ``airflow sync`` are its
callers; only this module imports ``gitops_ml.render``, the adapter of the
kustomize engines. ``Build`` is one run's builds (many overlays, traced on
demand while it is open); ``render_overlays`` and ``render_folder`` are the
one-call forms for many overlays and for a single folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gitops_ml import build_errors, yamlio
from gitops_ml.cache import ParseCache, RenderCache, digest
from gitops_ml.config import looks_like_environment
from gitops_ml.errors import UserError, YamlError
from gitops_ml.findings import ObjectKey
from gitops_ml.kustomizations import Kustomization, Repository, locate, plugins_of, rel
from gitops_ml.render import Engine, Rendered, Renderer, get_engine

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildOptions:
    engine: str | None = None  # None: $GITOPS_ML_ENGINE, else the first that loads
    allow_remote: bool = False  # let kustomize fetch remote bases
    cache: bool = True  # reuse renders of overlays whose files did not change
    # whose caches to use: a scratch copy of a repository can use the repository's
    cache_root: Path | None = None
    progress: Progress | None = None


# -- what a build gives ----------------------------------------------------------------


@dataclass(frozen=True)
class RenderedObject:
    """One object as kustomize renders it (or as written, for a plain manifest)."""

    data: dict[str, Any]
    key: ObjectKey
    origin: str | None  # repo-relative file, when known without tracing (see LintContext.origin_of)
    overlay: str | None  # repo-relative leaf directory; None for a plain manifest
    environment: str | None
    model: str | None
    index: int = 0  # position in the build output or in the file

    @property
    def kind(self) -> str:
        return self.key.kind

    @property
    def name(self) -> str:
        return self.key.name

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def annotations(self) -> dict[str, Any]:
        meta = self.data.get("metadata")
        annotations = meta.get("annotations") if isinstance(meta, dict) else None
        return annotations if isinstance(annotations, dict) else {}

    @property
    def labels(self) -> dict[str, Any]:
        meta = self.data.get("metadata")
        labels = meta.get("labels") if isinstance(meta, dict) else None
        return labels if isinstance(labels, dict) else {}


@dataclass
class RenderedOverlay:
    """The build of one leaf kustomization."""

    kustomization: Kustomization
    model: str | None
    environment: str | None
    objects: list[RenderedObject] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None  # why it was not built (remote bases, a cycle)

    @property
    def path(self) -> str:
        return self.kustomization.rel_dir

    @property
    def file(self) -> str:
        return self.kustomization.rel_file

    @property
    def problem(self) -> str | None:
        """Why there are no objects: the refusal, or kustomize's message."""
        return self.skipped or self.error


# -- the guard ------------------------------------------------------------------------

# Fields whose files kustomize parses as YAML; generator ``files``/``envs`` are data.
_YAML_FIELDS = frozenset(
    {
        "resources",
        "bases",
        "crds",
        "configurations",
        "generators",
        "transformers",
        "validators",
        "patches",
        "patchesJson6902",
        "patchesStrategicMerge",
        "replacements",
        "openapi",
    }
)
_RUNS = {
    "helm": "Helm on chart",
    "exec": "the executable",
    "container": "the container image",
    "starlark": "the Starlark script",
    "function": "the KRM function",
    "plugin": "the plugin",
}
_DEEP_INDENT = re.compile(rb"^ {%d}" % yamlio.MAX_DEPTH, re.MULTILINE)


def _refused(path: Path, rel_path: str, as_yaml: bool, cache: dict[Path, str | None]) -> str | None:
    """Why kustomize must not be handed this file (over a limit), or None.

    What our loader refuses (a size, an alias bomb, deep nesting) can exhaust
    kustomize's memory or stack in this very process; a plain syntax error
    cannot, and kustomize reports it in its own words.
    """
    if path in cache:
        return cache[path]
    reason: str | None = None
    try:
        size = path.stat().st_size
        if size > yamlio.MAX_FILE_BYTES:
            reason = f"{rel_path} is {size} bytes, over the {yamlio.MAX_FILE_BYTES}-byte limit"
        elif as_yaml and path.is_file():
            data = path.read_bytes()
            # only a text with anchors or much nesting can be a bomb: parse just those
            if (
                b"&" in data
                or _DEEP_INDENT.search(data)
                or (data.count(b"[") + data.count(b"{") + data.count(b"- ") > yamlio.MAX_DEPTH)
            ):
                yamlio.load_fast(yamlio.decode(data, rel_path))
    except yamlio.LimitError as exc:
        reason = f"{rel_path}: {exc.message}"
    except (YamlError, OSError):
        reason = None
    cache[path] = reason
    return reason


def skip_reason(
    repo: Repository,
    leaf: Kustomization,
    allow_remote: bool = False,
    cache: dict[Path, str | None] | None = None,
) -> str | None:
    """Why ``leaf`` must not be built (one sentence), or None when kustomize may build it."""
    cache = {} if cache is None else cache
    cycle = repo.cycle_from(leaf)
    if cycle:
        chain = " -> ".join(k.rel_dir for k in cycle)
        return f"kustomizations include each other in a cycle: {chain}"
    for k in repo.closure(leaf):
        if isinstance(k.error, yamlio.LimitError):
            return f"{k.rel_file}: {k.error.message}"
        if k.error is not None:
            return None  # the build reports it
        for plugin in plugins_of(k):
            return (
                f"{k.rel_file} asks kustomize to run {_RUNS[plugin.what]} {plugin.detail!r}, "
                "which gitops-ml never runs"
            )
        for ref in k.references:
            if ref.is_directory_edge and ref.target is not None and repo.node(ref.target) is None:
                return (
                    f"{k.rel_file} includes {ref.value!r}, whose kustomization file is a "
                    "symbolic link out of the repository"
                )
            if ref.status == "escapes":
                return f"{k.rel_file} names {ref.value!r}, outside the repository"
            if ref.status == "file" and ref.target is not None:
                refused = _refused(
                    ref.target, rel(repo.root, ref.target), ref.field in _YAML_FIELDS, cache
                )
                if refused:
                    return f"{refused}; kustomize is not given it"
            if ref.status == "remote" and not allow_remote:
                return (
                    f"{k.rel_file} includes remote {ref.field} {ref.value!r}, which is not "
                    "fetched without --allow-remote"
                )
    return None


# -- the render cache -----------------------------------------------------------------


class _InputHasher:
    """The hash of everything a leaf's build reads; each file is read once per run.

    Inputs are the files the closure's kustomizations name, every file beside
    each of those kustomizations (a generator's config may name files of its
    own folder), and the caller's extra inputs of the leaf. A file that cannot
    be read makes the leaf uncacheable.
    """

    def __init__(
        self, repo: Repository, identity: str, extra: Mapping[Path, Iterable[Path]]
    ) -> None:
        self.repo = repo
        self.identity = identity
        self.extra = extra
        self._files: dict[Path, str | None] = {}

    def _file(self, path: Path) -> str | None:
        if path not in self._files:
            try:
                self._files[path] = digest(path.read_bytes())
            except OSError:
                self._files[path] = None
        return self._files[path]

    def key(self, leaf: Kustomization) -> str | None:
        files = set(self.repo.files_of(leaf))
        files.update(self.extra.get(leaf.dir, ()))
        for k in self.repo.closure(leaf):
            with contextlib.suppress(OSError):
                files.update(p for p in k.dir.iterdir() if p.is_file() and not p.is_symlink())
        h = hashlib.sha256(self.identity.encode())
        for path in sorted(files):
            sha = self._file(path)
            if sha is None:
                return None
            h.update(f"{rel(self.repo.root, path)}\0{sha}\n".encode())
        return h.hexdigest()


# -- builds ---------------------------------------------------------------------------


class Build:
    """One run's builds of one repository: guarded, cached, traced on demand.

    Open it as a context manager; ``trace`` works until it is closed.
    """

    def __init__(
        self,
        repo: Repository,
        options: BuildOptions | None = None,
        is_environment: Callable[[str], bool] = looks_like_environment,
    ) -> None:
        self.repo = repo
        self.options = options or BuildOptions()
        self.is_environment = is_environment
        self._engine: Engine | None = None
        self._renderer: Renderer | None = None
        self._refused: dict[Path, str | None] = {}

    @property
    def engine_name(self) -> str:
        """The engine used, or "" when nothing needed one."""
        return self._engine.name if self._engine is not None else ""

    def _open(self) -> Renderer:
        if self._renderer is None:
            self._engine = get_engine(self.options.engine)
            self._renderer = Renderer(self._engine)
        return self._renderer

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    def __enter__(self) -> Build:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def skip_reason(self, leaf: Kustomization) -> str | None:
        return skip_reason(self.repo, leaf, self.options.allow_remote, self._refused)

    def overlays(
        self,
        leaves: Sequence[Kustomization],
        extra_inputs: Mapping[Path, Iterable[Path]] | None = None,
        prune: bool = False,
    ) -> list[RenderedOverlay]:
        """The builds of ``leaves``, in order; a refused leaf has ``skipped`` and no objects.

        ``extra_inputs`` maps a leaf's folder to more files its cache entry
        depends on; ``prune`` drops the cache entries of leaves not built now
        (for a run that built every leaf of the repository).
        """
        if not leaves:
            return []
        renderer = self._open()
        overlays: dict[Path, RenderedOverlay] = {}
        to_build: list[Path] = []
        for leaf in leaves:
            loc = locate(leaf.rel_dir, self.is_environment)
            overlay = RenderedOverlay(
                kustomization=leaf, model=loc.model, environment=loc.environment
            )
            overlay.skipped = self.skip_reason(leaf)
            overlays[leaf.dir] = overlay
            if overlay.skipped is None:
                to_build.append(leaf.dir)
        results = self._render_cached(renderer, to_build, extra_inputs or {}, prune)
        for directory, rendered in results.items():
            overlay = overlays[directory]
            if rendered.error is not None:
                overlay.error = rendered.error
                continue
            overlay.objects.extend(
                RenderedObject(
                    data=obj,
                    key=ObjectKey.of(obj),
                    origin=None,
                    overlay=overlay.path,
                    environment=overlay.environment,
                    model=overlay.model,
                    index=index,
                )
                for index, obj in enumerate(rendered.objects)
            )
        return list(overlays.values())

    def _render_cached(
        self,
        renderer: Renderer,
        directories: list[Path],
        extra: Mapping[Path, Iterable[Path]],
        prune: bool,
    ) -> dict[Path, Rendered]:
        """Builds of ``directories``, from the render cache where their inputs are unchanged."""
        root = self.repo.root
        options = self.options
        cache = RenderCache((options.cache_root or root).resolve()) if options.cache else None
        inputs = _InputHasher(self.repo, renderer.engine.identity, extra) if cache else None
        results: dict[Path, Rendered] = {}
        keys: dict[Path, str] = {}
        for directory in directories:
            node = self.repo.node(directory)
            key = inputs.key(node) if inputs and node is not None else None
            hit = cache.get(rel(root, directory), key) if cache and key else None
            if hit is not None:
                objects, error = hit
                results[directory] = Rendered(
                    directory, tuple(objects), (None,) * len(objects), error
                )
            elif key is not None:
                keys[directory] = key
        misses = [d for d in directories if d not in results]
        results.update(renderer.render_many(misses, options.progress))
        for directory, built in results.items():
            if built.error is not None:  # kustomize's text, without where this checkout is
                results[directory] = replace(built, error=build_errors.relative(built.error, root))
        if cache is not None:
            for directory, key in keys.items():
                built = results[directory]
                cache.put(rel(root, directory), key, list(built.objects), built.error)
            cache.save(prune=prune)
        return {d: results[d] for d in directories}

    def trace(self, overlay: RenderedOverlay) -> dict[ObjectKey, str | None]:
        """Object key -> the repo-relative file it came from (None: not in this repository)."""
        traced = self._open().origins(overlay.kustomization.dir)
        return {
            ObjectKey.of(obj): rel(self.repo.root, origin) if origin is not None else None
            for obj, origin in zip(traced.objects, traced.origins, strict=True)
        }


def render_overlays(
    repo: Repository,
    leaves: Sequence[Kustomization],
    options: BuildOptions | None = None,
    extra_inputs: Mapping[Path, Iterable[Path]] | None = None,
    is_environment: Callable[[str], bool] = looks_like_environment,
) -> list[RenderedOverlay]:
    """The builds of many overlays, in one call (no tracing afterwards)."""
    with Build(repo, options, is_environment) as build:
        return build.overlays(leaves, extra_inputs)


def repository(
    root: Path,
    ignore: Iterable[str] = (),
    options: BuildOptions | None = None,
    walk: bool = True,
) -> Repository:
    """The kustomization graph of ``root``, with the parse cache the options ask for.

    ``walk=False`` discovers nothing up front: ``Repository.reach`` then loads
    just the folders asked for and what they include (``render``, ``airflow sync``).
    """
    options = options or BuildOptions()
    cache = ParseCache((options.cache_root or root).resolve()) if options.cache else None
    return Repository(root, ignore, cache, walk)


def render_folder(
    root: Path,
    folder: Path,
    options: BuildOptions | None = None,
    repo: Repository | None = None,
) -> RenderedOverlay:
    """The build of one folder of the repository at ``root``, guarded like any overlay.

    Raises ``UserError`` when the folder is outside the repository or holds no
    kustomization gitops-ml reads; a refusal or a failed build is in the
    result's ``problem``.
    """
    root = root.resolve()
    real = folder.resolve()
    try:
        real.relative_to(root)
    except ValueError:
        raise UserError(f"{folder} is outside the repository {root}") from None
    repo = repo or repository(root, options=options, walk=False)
    k = repo.reach(real)
    if k is None:
        raise UserError(
            f"{rel(root, real)} holds no kustomization gitops-ml reads "
            "(none, or a symbolic link out of the repository)"
        )
    return render_overlays(repo, [k], options)[0]
