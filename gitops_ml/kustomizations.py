"""Discovery: kustomizations, what they reference, leaves, models and environments.

Everything here reads files and nothing else: no kustomize, no git. The
dependency graph is what makes a one-file pre-commit run cheap (only the leaf
overlays whose closure holds a changed file are rendered) and what the review
uses to find the environments a change reaches.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from gitops_ml import yamlio
from gitops_ml.cache import ParseCache, digest
from gitops_ml.config import looks_like_environment
from gitops_ml.errors import UserError, YamlError
from gitops_ml.paths import under

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
YAML_SUFFIXES = (".yaml", ".yml")
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__"})
NOT_MANIFESTS = frozenset(
    {
        "gitops-ml.yaml",
        "gitops-ml.yml",
        ".gitops-ml.yaml",
        ".pre-commit-config.yaml",
        ".pre-commit-hooks.yaml",
        "Chart.yaml",
        ".yamllint.yaml",
        ".yamllint.yml",
        "mkdocs.yml",
        "mkdocs.yaml",
        "codecov.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
    }
)
MAX_FILES = 20_000  # YAML files: about 12 s of reading on a small CI runner
MAX_ENTRIES = 200_000  # files of any kind walked

_REMOTE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://|git::|git@|(?:github|gitlab|bitbucket)\.(?:com|org)/)", re.IGNORECASE
)

# kustomization fields that name a directory or file, and how
DIR_OR_FILE_FIELDS = ("resources", "bases")
DIR_FIELDS = ("components",)
FILE_LIST_FIELDS = ("crds", "configurations", "generators", "transformers", "validators")


@dataclass(frozen=True)
class Reference:
    """One path a kustomization names.

    ``status`` is one of: ``kustomization`` (a directory holding one),
    ``file``, ``remote`` (a URL), ``missing``, ``escapes`` (absolute, or
    outside the repository, also through a symlink), ``not-a-kustomization``
    (a directory without one), ``directory`` (a directory where a file belongs).
    """

    field: str
    path: tuple[str | int, ...]  # where in the kustomization it is written
    value: str
    status: str
    target: Path | None = None

    @property
    def is_directory_edge(self) -> bool:
        return self.status == "kustomization" and self.field in ("resources", "bases", "components")


@dataclass
class Kustomization:
    dir: Path
    file: Path
    rel_dir: str
    rel_file: str
    data: dict[str, Any] | None = None
    error: YamlError | None = None
    tab_lines: tuple[int, ...] = ()
    references: list[Reference] = field(default_factory=list)
    plugins: list[Plugin] | None = None  # what it asks kustomize to run; see plugins_of

    @property
    def is_component(self) -> bool:
        return bool(self.data) and self.data.get("kind") == "Component"  # type: ignore[union-attr]


@dataclass(frozen=True)
class Location:
    """What a path says about the model and environment it belongs to.

    ``name`` is the overlay's (or ``clusters/<name>``) folder name;
    ``environment`` is that name only when it is an environment, None for a
    variant overlay such as an operator's ``overlays/stable`` channel.
    """

    model: str | None
    environment: str | None
    name: str | None = None


def locate(
    rel_dir: str, is_environment: Callable[[str], bool] = looks_like_environment
) -> Location:
    """Infer model and environment from a repository-relative directory."""
    parts = [p for p in rel_dir.split("/") if p and p != "."]
    if "overlays" in parts:
        i = len(parts) - 1 - parts[::-1].index("overlays")
        name = parts[i + 1] if i + 1 < len(parts) else None
        model = parts[i - 1] if i >= 1 else None
        env = name if name is not None and is_environment(name) else None
        return Location(model=model, environment=env, name=name)
    if len(parts) >= 2 and parts[-2] == "clusters":
        name = parts[-1]
        return Location(model=None, environment=name if is_environment(name) else None, name=name)
    if "base" in parts:
        i = parts.index("base")
        return Location(model=parts[i - 1] if i >= 1 else None, environment=None)
    return Location(model=None, environment=None)


def find_kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def is_remote(value: str) -> bool:
    return bool(_REMOTE.match(value)) or "?ref=" in value or ("//" in value and "://" not in value)


def find_root(path: Path, *, required: bool = False) -> Path:
    """The repository ``path`` belongs to.

    Walking up from ``path``: the nearest folder whose ``gitops-ml.yaml`` is a
    gitops-ml config (``config.is_config_file``: a workflow of that name is
    not), never above the git top-level; else the git top-level. Outside git
    and without a config: the current folder when ``path`` is inside it (a
    plain kustomize tree), else ``path``'s folder; with ``required``, a
    UserError instead.
    """
    from gitops_ml.config import CONFIG_NAMES, is_config_file

    if not path.exists():
        # walking up from a missing folder would take `/` for the repository
        raise UserError(f"{path} does not exist")
    start = (path if path.is_dir() else path.parent).resolve()
    for folder in (start, *start.parents):
        if any(is_config_file(folder / name) for name in CONFIG_NAMES):
            return folder
        if (folder / ".git").exists():
            return folder
    if required:
        raise UserError(
            f"{start} is not inside a gitops-ml repository; run `gitops-ml init` first or "
            "pass the repository's folder"
        )
    cwd = Path.cwd().resolve()
    if start == cwd or cwd in start.parents:
        return cwd  # `gitops-ml lint some/file.yaml` from the top of a folder that is no repo
    return start


def rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()


class Repository:
    """The kustomization graph of one repository root."""

    def __init__(
        self,
        root: Path,
        ignore: Iterable[str] = (),
        cache: ParseCache | None = None,
        walk: bool = True,
    ) -> None:
        """``walk=False``: no discovery; only what ``reach`` loads (one folder's closure)."""
        self.root = root.resolve()
        self.ignore = tuple(ignore)
        self.cache = cache
        # seen while scanning; a repo without any skips realpath (unwalked: never skipped)
        self.has_symlinks = not walk
        self.kustomizations: dict[Path, Kustomization] = {}
        self.yaml_files: list[Path] = []
        # every folder but hidden ones, in walk order (what Argo CD's git generator lists)
        self.directories: list[str] = []
        self._walked: set[str] = set()
        self._listed: set[str] = set()
        self._kustomization_dirs: set[str] = set()
        self.truncated = False
        if walk:
            self._scan()
        # kustomizations the walk does not lint (ignored or hidden folders) but that
        # a discovered one includes: kustomize builds them, so the guard must see them
        self.reached: dict[Path, Kustomization] = {}
        for k in self.kustomizations.values():
            k.references = list(self._references(k))
        self._load_reached()
        for k in (*self.kustomizations.values(), *self.reached.values()):
            plugins_of(k)  # reads generator files now, in discovery, not in a rule
        if cache is not None and walk:  # unwalked, most entries were not used: keep them
            cache.save()

    # -- scanning -------------------------------------------------------------

    def ignored(self, rel_path: str) -> bool:
        return any(
            fnmatch.fnmatch(rel_path, pattern)
            or fnmatch.fnmatch(rel_path, pattern.rstrip("/") + "/*")
            for pattern in self.ignore
        )

    def _scan(self) -> None:
        """One walk: kustomizations, YAML files, and every folder (also the ignored ones).

        Folders are what Argo CD's directory generator matches against, so an
        ignored folder is still walked for its subfolders, but its files are not read.
        """
        count = 0
        ignored_dirs: set[str] = set()
        for dirpath, dirnames, filenames in os.walk(self.root, followlinks=False):
            directory = Path(dirpath)
            rel_dir = rel(self.root, directory)
            self._walked.add(rel_dir)
            self._listed.update(
                posixpath.join(rel_dir, d) if rel_dir != "." else d for d in dirnames
            )
            if rel_dir != "." and not any(p.startswith(".") for p in rel_dir.split("/")):
                self.directories.append(rel_dir)
                if len(self.directories) > MAX_ENTRIES:
                    raise UserError(
                        f"the repository holds more than {MAX_ENTRIES} folders; list the "
                        "folders that are not manifests under ignore: in gitops-ml.yaml"
                    )
            if (
                any(n in KUSTOMIZATION_NAMES for n in filenames)
                and find_kustomization_file(directory) is not None
            ):
                self._kustomization_dirs.add(rel_dir)
            skipped = rel_dir in ignored_dirs
            if not self.has_symlinks and not skipped:
                self.has_symlinks = any(os.path.islink(os.path.join(dirpath, d)) for d in dirnames)
            kept = []
            for d in sorted(dirnames):
                if d in SKIP_DIRS or (d.startswith(".") and d not in (".github",)):
                    continue
                child = rel(self.root, directory / d)
                if skipped or self.ignored(child):
                    ignored_dirs.add(child)
                kept.append(d)
            dirnames[:] = kept
            if skipped or (self.ignored(rel_dir) and rel_dir != "."):
                continue
            for name in sorted(filenames):
                count += 1
                if count > MAX_ENTRIES or len(self.yaml_files) > MAX_FILES:
                    raise UserError(
                        f"the repository holds more than {MAX_FILES} YAML files "
                        f"(or {MAX_ENTRIES} files); list the folders that are not "
                        "manifests under ignore: in gitops-ml.yaml"
                    )
                path = directory / name
                if path.is_symlink():
                    self.has_symlinks = True
                    continue
                if self.ignored(rel(self.root, path)):
                    continue
                if name in KUSTOMIZATION_NAMES:
                    if directory not in self.kustomizations:
                        self.kustomizations[directory] = self._load(directory, path)
                elif name.endswith(YAML_SUFFIXES):
                    self.yaml_files.append(path)

    def is_dir(self, rel_dir: str) -> bool:
        """Whether the repository has this folder (a symlink to one counts), from the walk."""
        if rel_dir in self._walked:
            return True
        parent = posixpath.dirname(rel_dir) or "."
        if parent in self._walked:
            return rel_dir in self._listed and (self.root / rel_dir).is_dir()
        return (self.root / rel_dir).is_dir()  # below a folder the walk skips (.git, links)

    def has_kustomization(self, rel_dir: str) -> bool:
        """Whether the folder holds a kustomization file, from the walk where it went."""
        if rel_dir in self._walked:
            return rel_dir in self._kustomization_dirs
        return find_kustomization_file(self.root / rel_dir) is not None

    def _load(self, directory: Path, path: Path) -> Kustomization:
        k = Kustomization(
            dir=directory,
            file=path,
            rel_dir=rel(self.root, directory),
            rel_file=rel(self.root, path),
        )
        try:
            if path.stat().st_size > yamlio.MAX_FILE_BYTES:
                yamlio.read_text(path, k.rel_file)  # raises the size finding
            raw = path.read_bytes()
        except YamlError as exc:
            k.error = exc
            return k
        except OSError as exc:
            k.error = YamlError(f"{k.rel_file} cannot be read: {exc.strerror or exc}")
            return k
        sha = digest(raw) if self.cache is not None else ""
        cached = self.cache.get(k.rel_file, sha) if self.cache is not None else None
        if cached is not None:
            k.data, k.tab_lines = cached
            return k
        try:
            loaded = yamlio.load_fast(yamlio.decode(raw, k.rel_file))
        except YamlError as exc:
            k.error = exc
            return k
        docs = [d for d in loaded.documents if d is not None]
        k.tab_lines = loaded.tab_lines
        if len(docs) == 1 and isinstance(docs[0], dict):
            k.data = docs[0]
        elif not docs:
            k.data = {}
        else:
            what = "several YAML documents" if len(docs) > 1 else f"a {type(docs[0]).__name__}"
            k.error = YamlError(f"a kustomization must be one YAML mapping, not {what}", line=1)
        if k.data is not None and self.cache is not None:
            self.cache.put(k.rel_file, sha, k.data, k.tab_lines)
        return k

    # -- references -------------------------------------------------------------

    def _may_be_linked(self, target: Path) -> bool:
        """Whether a symlink can be on the way to ``target`` (else realpath is skipped)."""
        if self.has_symlinks or self.ignore:
            return True
        parts = target.relative_to(self.root).parts
        return any(p in SKIP_DIRS or p.startswith(".") for p in parts)

    def _resolve(
        self, k: Kustomization, fld: str, path: tuple[str | int, ...], value: Any, want: str
    ) -> Reference:
        text = str(value).strip()
        if is_remote(text):
            return Reference(fld, path, text, "remote")
        if os.path.isabs(text):
            return Reference(fld, path, text, "escapes")
        target = Path(os.path.normpath(k.dir / text))
        try:
            target.relative_to(self.root)
        except ValueError:
            return Reference(fld, path, text, "escapes", target)
        if self._may_be_linked(target):
            real = Path(os.path.realpath(target))
            try:
                real.relative_to(self.root)
            except ValueError:
                return Reference(fld, path, text, "escapes", target)
        if not target.exists():
            return Reference(fld, path, text, "missing", target)
        if target.is_dir():
            if want == "file":
                return Reference(fld, path, text, "directory", target)
            if target in self.kustomizations or find_kustomization_file(target):
                return Reference(fld, path, text, "kustomization", target)
            return Reference(fld, path, text, "not-a-kustomization", target)
        if want == "dir":
            return Reference(fld, path, text, "file", target)
        return Reference(fld, path, text, "file", target)

    def _references(self, k: Kustomization) -> Iterator[Reference]:
        data = k.data
        if not isinstance(data, dict):
            return
        for fld in DIR_OR_FILE_FIELDS:
            for i, value in _strings(data.get(fld)):
                yield self._resolve(k, fld, (fld, i), value, "any")
        for fld in DIR_FIELDS:
            for i, value in _strings(data.get(fld)):
                yield self._resolve(k, fld, (fld, i), value, "dir")
        for fld in FILE_LIST_FIELDS:
            for i, value in _strings(data.get(fld)):
                if "\n" in value:
                    continue  # an inline generator or transformer config
                yield self._resolve(k, fld, (fld, i), value, "any")
        for fld in ("patches", "patchesJson6902", "replacements"):
            for i, item in _items(data.get(fld)):
                if isinstance(item, dict) and isinstance(item.get("path"), str):
                    yield self._resolve(k, fld, (fld, i, "path"), item["path"], "file")
        for i, value in _strings(data.get("patchesStrategicMerge")):
            if "\n" not in value and not value.lstrip().startswith(("{", "apiVersion")):
                yield self._resolve(
                    k, "patchesStrategicMerge", ("patchesStrategicMerge", i), value, "file"
                )
        for fld in ("configMapGenerator", "secretGenerator"):
            for i, gen in _items(data.get(fld)):
                if not isinstance(gen, dict):
                    continue
                for j, entry in _strings(gen.get("files")):
                    source = entry.split("=", 1)[1] if "=" in entry else entry
                    yield self._resolve(k, fld, (fld, i, "files", j), source, "file")
                for j, entry in _strings(gen.get("envs")):
                    yield self._resolve(k, fld, (fld, i, "envs", j), entry, "file")
                if isinstance(gen.get("env"), str):
                    yield self._resolve(k, fld, (fld, i, "env"), gen["env"], "file")
        openapi = data.get("openapi")
        if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
            yield self._resolve(k, "openapi", ("openapi", "path"), openapi["path"], "file")

    # -- the graph --------------------------------------------------------------

    def _load_reached(self, start: Iterable[Kustomization] | None = None) -> None:
        pending = list(self.kustomizations.values() if start is None else start)
        while pending:
            k = pending.pop()
            for ref in k.references:
                target = ref.target
                if not ref.is_directory_edge or target is None or self.node(target) is not None:
                    continue
                path = find_kustomization_file(target)
                if path is None or not Path(os.path.realpath(path)).is_relative_to(self.root):
                    continue  # never read; the guard refuses to build what includes it
                child = self._load(target, path)
                child.references = list(self._references(child))
                self.reached[target] = child
                pending.append(child)

    def reach(self, directory: Path) -> Kustomization | None:
        """The kustomization of ``directory``, loaded now (with what it includes) if the
        walk skipped its folder (ignored or hidden); None when there is none to read."""
        found = self.node(directory)
        if found is not None:
            return found
        path = find_kustomization_file(directory)
        if path is None or not Path(os.path.realpath(path)).is_relative_to(self.root):
            return None
        before = set(self.reached)
        k = self._load(directory, path)
        k.references = list(self._references(k))
        self.reached[directory] = k
        self._load_reached([k])
        for new in set(self.reached) - before:
            plugins_of(self.reached[new])
        return k

    def node(self, directory: Path) -> Kustomization | None:
        """The kustomization of ``directory``: discovered, or reached from one that is."""
        return self.kustomizations.get(directory) or self.reached.get(directory)

    def children(self, k: Kustomization) -> list[Kustomization]:
        out = []
        for ref in k.references:
            if ref.is_directory_edge and ref.target is not None:
                child = self.node(ref.target)
                if child is not None:
                    out.append(child)
        return out

    @cached_property
    def referenced(self) -> frozenset[Path]:
        return frozenset(
            ref.target
            for k in self.kustomizations.values()
            for ref in k.references
            if ref.is_directory_edge and ref.target is not None
        )

    @cached_property
    def leaves(self) -> tuple[Kustomization, ...]:
        """Kustomizations no other one includes: what gets rendered."""
        return tuple(
            k
            for d, k in sorted(self.kustomizations.items())
            if d not in self.referenced and not k.is_component
        )

    def cycle_from(self, k: Kustomization) -> list[Kustomization] | None:
        """A directory cycle reachable from ``k``, if there is one (no recursion: chains can be long)."""
        path: list[Kustomization] = []
        on_path: set[Path] = set()
        done: set[Path] = set()
        stack: list[tuple[Kustomization, Iterator[Kustomization]]] = []

        def enter(node: Kustomization) -> None:
            on_path.add(node.dir)
            path.append(node)
            stack.append((node, iter(self.children(node))))

        enter(k)
        while stack:
            node, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                path.pop()
                on_path.discard(node.dir)
                done.add(node.dir)
            elif child.dir in on_path:
                return [*path[path.index(child) :], child]
            elif child.dir not in done:
                enter(child)
        return None

    @cached_property
    def cycles(self) -> dict[Path, int]:
        """Directory -> cycle number, for kustomizations on a cycle of includes (Tarjan, iterative)."""
        index: dict[Path, int] = {}
        low: dict[Path, int] = {}
        on_stack: set[Path] = set()
        scc_stack: list[Path] = []
        out: dict[Path, int] = {}
        work: list[tuple[Path, Iterator[Kustomization]]] = []
        for start in sorted(self.kustomizations):
            if start in index:
                continue

            def enter(d: Path) -> None:
                index[d] = low[d] = len(index)
                scc_stack.append(d)
                on_stack.add(d)
                work.append((d, iter(self.children(self.kustomizations.get(d) or self.reached[d]))))

            enter(start)
            while work:
                d, pending = work[-1]
                child = next(pending, None)
                if child is not None:
                    if child.dir not in index:
                        enter(child.dir)
                    elif child.dir in on_stack:
                        low[d] = min(low[d], index[child.dir])
                    continue
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[d])
                if low[d] != index[d]:
                    continue
                members = []
                while True:
                    m = scc_stack.pop()
                    on_stack.discard(m)
                    members.append(m)
                    if m == d:
                        break
                k = self.kustomizations.get(d) or self.reached[d]
                if len(members) > 1 or any(c.dir == d for c in self.children(k)):
                    number = len(set(out.values()))
                    out.update((m, number) for m in members)
        return out

    def closure(self, k: Kustomization) -> tuple[Kustomization, ...]:
        """``k`` and every kustomization it includes, outermost first."""
        seen: dict[Path, Kustomization] = {}
        stack = [k]
        while stack:
            node = stack.pop()
            if node.dir in seen:
                continue
            seen[node.dir] = node
            stack.extend(reversed(self.children(node)))
        return tuple(seen.values())

    def files_of(self, k: Kustomization) -> frozenset[Path]:
        """Every file the build of ``k`` reads (as far as paths say)."""
        files: set[Path] = set()
        for node in self.closure(k):
            files.add(node.file)
            for ref in node.references:
                if ref.status == "file" and ref.target is not None:
                    files.add(ref.target)
        return frozenset(files)

    def input_files(self, k: Kustomization) -> list[str]:
        """``files_of(k)`` as sorted root-relative POSIX paths (what git history is asked about)."""
        return sorted(rel(self.root, p) for p in self.files_of(k))

    @cached_property
    def reached_files(self) -> frozenset[Path]:
        files: set[Path] = set()
        for k in self.kustomizations.values():
            files.add(k.file)
            for ref in k.references:
                if ref.target is not None and ref.status in ("file", "directory"):
                    files.add(ref.target)
        return frozenset(files)

    def leaves_affected_by(
        self, paths: Iterable[Path], extra_inputs: Mapping[Path, Iterable[Path]] | None = None
    ) -> tuple[Kustomization, ...]:
        """Leaves whose build reads one of ``paths`` (files, or anything under a folder).

        ``extra_inputs`` maps a leaf's folder to more files that count as its
        inputs (the Airflow DAGs that launch it and their committed manifests).
        A path that no longer exists (a deleted or renamed file) affects the
        leaves whose kustomizations still name it, or name a folder holding it.
        """
        extra = extra_inputs or {}
        wanted = [p.resolve() for p in paths]
        files = [p for p in wanted if p.exists() and not p.is_dir()]
        dirs = [p for p in wanted if p.is_dir()]
        gone = [p for p in wanted if not p.exists()]
        out = []
        for leaf in self.leaves:
            leaf_files = self.files_of(leaf) | frozenset(extra.get(leaf.dir, ()))
            if (
                any(f in leaf_files for f in files)
                or any(under(f, d) for d in dirs for f in leaf_files)
                or any(g in leaf_files for g in gone)
                or (gone and self._names_any(leaf, gone))
            ):
                out.append(leaf)
        return tuple(out)

    def _names_any(self, leaf: Kustomization, gone: list[Path]) -> bool:
        for node in self.closure(leaf):
            for ref in node.references:
                if ref.target is not None and any(under(g, ref.target) for g in gone):
                    return True
        return False

    def plain_manifests(self, paths: Iterable[Path]) -> list[Path]:
        """YAML files under ``paths`` that no kustomization reaches."""
        wanted = [p.resolve() for p in paths]
        chart_dirs = {f.parent for f in self.yaml_files if f.name == "Chart.yaml"}
        # beside a kustomization that does not parse, what it would reach is unknown: its
        # patches are not manifests (yaml-syntax and build-failed report the file)
        unreadable = {k.dir for k in self.kustomizations.values() if k.error is not None}
        out = []
        for f in self.yaml_files:
            if f in self.reached_files or f.name in NOT_MANIFESTS or f.parent in unreadable:
                continue
            if any(under(f, c) for c in chart_dirs):
                continue  # a Helm chart's templates and values are not manifests
            rel_path = rel(self.root, f)
            if rel_path.startswith(".github/"):
                continue
            if any(under(f, w) for w in wanted):
                out.append(f)
        return out

    def environments(
        self, is_environment: Callable[[str], bool] = looks_like_environment
    ) -> list[str]:
        names: list[str] = []
        for k in self.leaves:
            env = locate(k.rel_dir, is_environment).environment
            if env and env not in names:
                names.append(env)
        return names


def _strings(value: Any) -> Iterator[tuple[int, str]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, str):
                yield i, item


def _items(value: Any) -> Iterator[tuple[int, Any]]:
    if isinstance(value, list):
        yield from enumerate(value)


# -- what kustomize would run: Helm and KRM functions, reported and never run ------

FUNCTION_ANNOTATIONS = ("config.kubernetes.io/function", "config.k8s.io/function")
BUILTIN_PLUGINS = frozenset(
    {
        "AnnotationsTransformer",
        "ConfigMapGenerator",
        "HashTransformer",
        "IAMPolicyGenerator",
        "ImageTagTransformer",
        "LabelTransformer",
        "NamespaceTransformer",
        "PatchJson6902Transformer",
        "PatchStrategicMergeTransformer",
        "PatchTransformer",
        "PrefixSuffixTransformer",
        "PrefixTransformer",
        "ReplacementTransformer",
        "ReplicaCountTransformer",
        "SecretGenerator",
        "SortOrderTransformer",
        "SuffixTransformer",
        "ValueAddTransformer",
    }
)


@dataclass(frozen=True)
class Plugin:
    """Something a kustomization asks kustomize to run: Helm, or a KRM function or plugin."""

    field: str
    path: tuple[str | int, ...]  # where in the kustomization it is named
    what: str  # "helm", "exec", "container", "starlark", "function" or "plugin"
    detail: str  # the chart, the executable, the image, or the kind


def plugins_of(k: Kustomization) -> list[Plugin]:
    """Helm charts and generator/transformer functions of ``k``, read and never run.

    Discovery reads them once per kustomization (the files its generators,
    transformers and validators name); the guard and the rules get that list.
    """
    if k.plugins is None:
        k.plugins = _find_plugins(k)
    return k.plugins


def _find_plugins(k: Kustomization) -> list[Plugin]:
    data = k.data if isinstance(k.data, dict) else {}
    out: list[Plugin] = []
    for fld in ("helmCharts", "helmChartInflationGenerator"):
        for i, chart in _items(data.get(fld)):
            name = chart.get("name") if isinstance(chart, dict) else chart
            out.append(Plugin(fld, (fld, i), "helm", str(name)))
    targets = {ref.path: ref for ref in k.references}
    for fld in ("generators", "transformers", "validators"):
        for i, entry in _items(data.get(fld)):
            docs: tuple[Any, ...] = ()
            try:
                if isinstance(entry, str) and "\n" in entry:
                    docs = yamlio.load_fast(entry).documents
                elif (ref := targets.get((fld, i))) is not None and ref.status == "file":
                    assert ref.target is not None
                    docs = yamlio.load_fast(yamlio.read_text(ref.target)).documents
            except YamlError:
                continue
            for doc in docs:
                plugin = _plugin_of(doc, fld, (fld, i))
                if plugin is not None:
                    out.append(plugin)
    return out


def _plugin_of(doc: Any, fld: str, path: tuple[str | int, ...]) -> Plugin | None:
    if not isinstance(doc, dict):
        return None
    kind = str(doc.get("kind") or "")
    meta = doc.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if isinstance(annotations, dict):
        for name in FUNCTION_ANNOTATIONS:
            if name in annotations:
                spec = annotations[name]
                try:
                    parsed = yamlio.load_fast(spec).documents if isinstance(spec, str) else ()
                except YamlError:
                    parsed = ()
                how = parsed[0] if parsed and isinstance(parsed[0], dict) else {}
                for what, key in (("exec", "path"), ("container", "image"), ("starlark", "path")):
                    if isinstance(how.get(what), dict):
                        return Plugin(fld, path, what, str(how[what].get(key) or kind))
                return Plugin(fld, path, "function", kind)
    if kind == "HelmChartInflationGenerator":
        return Plugin(fld, path, "helm", str(doc.get("chartName") or doc.get("name") or kind))
    if kind and kind not in BUILTIN_PLUGINS:
        return Plugin(fld, path, "plugin", kind)
    return None
