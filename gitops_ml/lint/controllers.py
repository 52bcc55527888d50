"""What the GitOps controllers in a repository deploy: Argo CD and Flux paths.

Shared by the ``controller-*`` rules. Controller objects are the rendered
objects of the run (``clusters/<env>`` overlays and plain manifests); the
engine collects what they deploy once per run (``LintContext.controllers``),
and folders come from the repository's one walk (``Repository.directories``):

* Argo CD ``Application``: ``spec.source.path`` and ``spec.sources[].path``;
* Argo CD ``ApplicationSet``: git directory generators (also inside matrix
  and merge generators), matched like Argo CD does it: Go ``path.Match``
  globs against every folder of the repository, where ``*`` does not cross
  ``/`` and an ``exclude: true`` entry wins over any include; the template's
  source path is then rendered with each match (``{{path}}``,
  ``{{path.basename}}``, ``{{path[N]}}``, ``{{.path.path}}``, list generator
  elements); what cannot be rendered matches any text;
* Flux ``Kustomization``: ``spec.path`` relative to the root of its
  ``GitRepository``, ``./`` prefix allowed.

Sources that point at another repository (Helm charts, other git URLs) are
left out: ``repoURL`` in the config names this repository; without it, a URL
counts as this repository's when one of its paths exists here.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import JsonPath

ARGO_GROUP = "argoproj.io"
FLUX_KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io"
FLUX_SOURCE_GROUP = "source.toolkit.fluxcd.io"
_TEMPLATE = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")


@dataclass(frozen=True)
class DirectoryGlob:
    """One ``directories`` entry of an ApplicationSet git generator."""

    obj: RenderedObject
    path: JsonPath
    glob: str
    exclude: bool
    repo_url: str | None


@dataclass(frozen=True)
class Target:
    """A folder (or a pattern of folders) a controller object deploys."""

    obj: RenderedObject
    path: JsonPath  # where the path (or the list element value that makes it) is written
    value: str  # as written
    directory: str | None = None  # repo-relative, when known exactly
    pattern: re.Pattern[str] | None = None  # when part of it is a template
    recursive: bool = False  # covers every folder below (Flux without kustomization.yaml)
    repo_url: str | None = None


@dataclass
class Controllers:
    targets: list[Target] = field(default_factory=list)
    globs: list[DirectoryGlob] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.targets or self.globs)


def go_path_match(pattern: str) -> re.Pattern[str] | None:
    """Go's ``path.Match`` as a regex: ``*`` and ``?`` never match ``/``."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            start = i + 2 if pattern[i + 1 : i + 2] == "^" else i + 1
            end = pattern.find("]", start)
            if end <= start:
                return None  # Go's ErrBadPattern: the generator matches nothing
            body = re.sub(r"\\(.)", lambda m: re.escape(m.group(1)), pattern[start:end])
            body = body.replace("[", "\\[")
            out.append(f"[{'^' if start == i + 2 else ''}{body}]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out))
    except re.error:
        return None


def normalize_dir(value: str) -> str:
    text = value.strip().lstrip("/")
    norm = posixpath.normpath(text) if text else "."
    return "." if norm in ("", ".") else norm


def normalize_url(url: str) -> str:
    text = url.strip().lower()
    text = re.sub(r"^[a-z+]+://", "", text)
    text = re.sub(r"^[^@/]+@", "", text)
    text = text.replace(":", "/", 1) if re.match(r"^[^/]+:[^/\d]", text) else text
    return text.removesuffix("/").removesuffix(".git")


def repo_dirs(ctx: LintContext) -> list[str]:
    """Every folder of the repository, as Argo CD's directory generator sees them."""
    return ctx.repo.directories


def is_dir(ctx: LintContext, rel_dir: str) -> bool:
    return rel_dir == "." or ctx.repo.is_dir(rel_dir)


def has_kustomization(ctx: LintContext, rel_dir: str) -> bool:
    return ctx.repo.has_kustomization(rel_dir)


def _group(obj: RenderedObject) -> str:
    return obj.key.group


def controller_objects(ctx: LintContext) -> list[RenderedObject]:
    return [
        o
        for o in ctx.objects()
        if (_group(o) == ARGO_GROUP and o.kind in ("Application", "ApplicationSet"))
        or (_group(o) == FLUX_KUSTOMIZE_GROUP and o.kind == "Kustomization")
    ]


# -- Argo CD ----------------------------------------------------------------------


def _sources(spec: Any, base: JsonPath) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    if not isinstance(spec, dict):
        return
    if isinstance(spec.get("source"), dict):
        yield (*base, "source"), spec["source"]
    sources = spec.get("sources")
    if isinstance(sources, list):
        for i, s in enumerate(sources):
            if isinstance(s, dict):
                yield (*base, "sources", i), s


def _git_directories(
    obj: RenderedObject, generators: Any, base: JsonPath
) -> Iterator[DirectoryGlob]:
    if not isinstance(generators, list):
        return
    for i, gen in enumerate(generators):
        if not isinstance(gen, dict):
            continue
        git = gen.get("git")
        if isinstance(git, dict) and isinstance(git.get("directories"), list):
            url = git.get("repoURL")
            for j, entry in enumerate(git["directories"]):
                if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                    yield DirectoryGlob(
                        obj=obj,
                        path=(*base, i, "git", "directories", j, "path"),
                        glob=entry["path"],
                        exclude=entry.get("exclude") is True,
                        repo_url=url if isinstance(url, str) else None,
                    )
        for combiner in ("matrix", "merge"):
            inner = gen.get(combiner)
            if isinstance(inner, dict):
                yield from _git_directories(
                    obj, inner.get("generators"), (*base, i, combiner, "generators")
                )


def matched_dirs(ctx: LintContext, globs: list[DirectoryGlob]) -> list[str]:
    """The folders a generator's ``directories`` list yields (Argo CD's ``filterApps``)."""
    includes = [go_path_match(g.glob) for g in globs if not g.exclude]
    excludes = [go_path_match(g.glob) for g in globs if g.exclude]
    out = []
    for d in repo_dirs(ctx):
        if any(p and p.fullmatch(d) for p in includes) and not any(
            p and p.fullmatch(d) for p in excludes
        ):
            out.append(d)
    return out


def _params_of_dir(d: str) -> dict[str, str]:
    segments = d.split("/")
    params = {
        "path": d,
        "path.path": d,
        "path.basename": segments[-1],
        "path.basenameNormalized": re.sub(r"[^a-z0-9-]", "-", segments[-1].lower()),
    }
    for n, seg in enumerate(segments):
        params[f"path[{n}]"] = seg
        params[f"index .path.segments {n}"] = seg
    return params


def _flatten(
    prefix: str,
    value: Any,
    out: dict[str, str],
    sources: dict[str, JsonPath] | None = None,
    at: JsonPath = (),
) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out, sources, (*at, str(k)))
    elif isinstance(value, (str, int, float, bool)):
        out[prefix] = str(value)
        if sources is not None:
            sources[prefix] = at


# a generator's parameters, and where in the object each value is written (list elements)
_ParamSet = tuple[dict[str, str], dict[str, JsonPath]]


def _param_sets(
    ctx: LintContext, obj: RenderedObject, generators: Any, base: JsonPath = ("spec", "generators")
) -> list[_ParamSet]:
    """Every parameter set the generators produce, as far as a file can tell."""
    if not isinstance(generators, list) or not generators:
        return [({}, {})]
    out: list[_ParamSet] = []
    for i, gen in enumerate(generators):
        if not isinstance(gen, dict):
            continue
        git = gen.get("git")
        if isinstance(git, dict) and isinstance(git.get("directories"), list):
            globs = list(_git_directories(obj, [{"git": git}], ()))
            out.extend((_params_of_dir(d), {}) for d in matched_dirs(ctx, globs))
        elif isinstance(gen.get("list"), dict) and isinstance(gen["list"].get("elements"), list):
            for j, element in enumerate(gen["list"]["elements"]):
                params: dict[str, str] = {}
                sources: dict[str, JsonPath] = {}
                _flatten("", element, params, sources, (*base, i, "list", "elements", j))
                out.append((params, sources))
        elif isinstance(gen.get("matrix"), dict):
            inner = gen["matrix"].get("generators") or ()
            parts = [
                _param_sets(ctx, obj, [g], (*base, i, "matrix", "generators", k))
                for k, g in enumerate(inner)
                if g
            ]
            for combo in product(*parts):
                merged: dict[str, str] = {}
                merged_sources: dict[str, JsonPath] = {}
                for p, src in combo:
                    merged.update(p)
                    merged_sources.update(src)
                out.append((merged, merged_sources))
        else:
            out.append(({}, {}))  # a generator whose values come from elsewhere
    return out


def _render(template: str, params: dict[str, str]) -> tuple[str, bool]:
    """The template with what ``params`` knows filled in; ``True`` if it is exact."""
    exact = True
    pieces: list[str] = []
    last = 0
    for m in _TEMPLATE.finditer(template):
        pieces.append(re.escape(template[last : m.start()]))
        expr = m.group(1).lstrip(".")
        if expr in params:
            pieces.append(re.escape(params[expr]))
        else:
            exact = False
            pieces.append(".+")
        last = m.end()
    pieces.append(re.escape(template[last:]))
    text = "".join(pieces)
    if exact:
        return _TEMPLATE.sub(lambda m: params[m.group(1).lstrip(".")], template), True
    return text, False


def _argo_targets(ctx: LintContext, obj: RenderedObject) -> Iterator[Target]:
    spec = obj.spec
    if obj.kind == "Application":
        for where, source in _sources(spec, ("spec",)):
            if isinstance(source.get("path"), str) and not source.get("chart"):
                value = source["path"]
                if "{{" in value:
                    continue  # a Helm-templated Application: values decide
                directory = source.get("directory")
                yield Target(
                    obj=obj,
                    path=(*where, "path"),
                    value=value,
                    directory=normalize_dir(value),
                    recursive=isinstance(directory, dict) and directory.get("recurse") is True,
                    repo_url=source.get("repoURL"),
                )
        return
    template = spec.get("template")
    if not isinstance(template, dict):
        return
    param_sets = _param_sets(ctx, obj, spec.get("generators"))
    for where, source in _sources(template.get("spec"), ("spec", "template", "spec")):
        value = source.get("path")
        if not isinstance(value, str) or source.get("chart"):
            continue
        for params, sources in param_sets:
            rendered, exact = _render(value, params)
            url = source.get("repoURL")
            url = url if isinstance(url, str) and "{{" not in url else None
            if exact:
                # one list-element value makes the path: that element is what to fix
                used = {m.group(1).lstrip(".") for m in _TEMPLATE.finditer(value)}
                origins = [sources[k] for k in used if k in sources]
                yield Target(
                    obj=obj,
                    path=origins[0] if len(origins) == 1 else (*where, "path"),
                    value=value,
                    directory=normalize_dir(rendered),
                    repo_url=url,
                )
            else:
                yield Target(
                    obj=obj,
                    path=(*where, "path"),
                    value=value,
                    pattern=re.compile(rendered.lstrip("/").removeprefix(r"\./")),
                    repo_url=url,
                )


# -- Flux -------------------------------------------------------------------------


def _flux_source_url(ctx: LintContext, obj: RenderedObject) -> tuple[bool, str | None]:
    """Whether the Kustomization reads a GitRepository, and that repository's URL."""
    ref = obj.spec.get("sourceRef")
    if not isinstance(ref, dict):
        return False, None
    if ref.get("kind") not in ("GitRepository", None):
        return False, None
    namespace = ref.get("namespace") or obj.key.namespace
    for other in ctx.objects():
        if (
            other.kind == "GitRepository"
            and _group(other) == FLUX_SOURCE_GROUP
            and other.name == ref.get("name")
            and (other.key.namespace or namespace) == namespace
        ):
            url = other.spec.get("url")
            return True, url if isinstance(url, str) else None
    return True, None


def _flux_target(ctx: LintContext, obj: RenderedObject) -> Target | None:
    is_git, url = _flux_source_url(ctx, obj)
    if not is_git:
        return None
    value = obj.spec.get("path")
    value = value if isinstance(value, str) else "./"
    directory = normalize_dir(value)
    return Target(
        obj=obj,
        path=("spec", "path"),
        value=value,
        directory=directory,
        recursive=not has_kustomization(ctx, directory),
        repo_url=url,
    )


# -- everything -------------------------------------------------------------------


def _own_urls(ctx: LintContext, targets: list[Target], globs: list[DirectoryGlob]) -> set[str]:
    if ctx.config.repo_url:
        return {normalize_url(ctx.config.repo_url)}
    found: set[str] = set()
    every: set[str] = set()
    for t in targets:
        if t.repo_url:
            every.add(normalize_url(t.repo_url))
            if t.directory is not None and t.directory != "." and is_dir(ctx, t.directory):
                found.add(normalize_url(t.repo_url))
    for g in globs:
        if g.repo_url:
            every.add(normalize_url(g.repo_url))
            if not g.exclude and matched_dirs(ctx, [g]):
                found.add(normalize_url(g.repo_url))
    return found or (every if len(every) == 1 else set())


def _ours(url: str | None, own: set[str]) -> bool:
    return url is None or normalize_url(url) in own


def controllers(ctx: LintContext) -> Controllers:
    """What the controller objects of this run deploy: collected once by the engine."""
    if ctx.controllers is None:
        ctx.controllers = collect(ctx)
    return ctx.controllers


def collect(ctx: LintContext) -> Controllers:
    """What the controller objects of this run deploy from this repository."""
    targets: list[Target] = []
    globs: list[DirectoryGlob] = []
    for obj in controller_objects(ctx):
        if _group(obj) == ARGO_GROUP:
            targets.extend(_argo_targets(ctx, obj))
            if obj.kind == "ApplicationSet":
                globs.extend(
                    _git_directories(obj, obj.spec.get("generators"), ("spec", "generators"))
                )
        else:
            flux = _flux_target(ctx, obj)
            if flux is not None:
                targets.append(flux)
    own = _own_urls(ctx, targets, globs)
    return Controllers(
        targets=[t for t in targets if _ours(t.repo_url, own)],
        globs=[g for g in globs if _ours(g.repo_url, own)],
    )
