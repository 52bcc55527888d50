"""What rules look at: source files, the run's context.

Rendered objects and overlays are the build layer's types (``gitops_ml.build``),
imported here too so rules name everything they see from one module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_ml.build import RenderedObject as RenderedObject
from gitops_ml.build import RenderedOverlay as RenderedOverlay
from gitops_ml.config import Config, Environment
from gitops_ml.errors import YamlError
from gitops_ml.findings import ObjectKey
from gitops_ml.kustomizations import Kustomization, Repository
from gitops_ml.schemas import SchemaRegistry

if TYPE_CHECKING:
    from gitops_ml.airflow import DagFile
    from gitops_ml.lint.controllers import Controllers


@dataclass
class SourceFile:
    """One YAML file as written: a kustomization, or a plain manifest."""

    path: Path
    rel: str
    documents: tuple[Any, ...] = ()
    error: YamlError | None = None
    tab_lines: tuple[int, ...] = ()
    kustomization: Kustomization | None = None


@dataclass
class LintContext:
    """Everything one run knows; REPOSITORY-scope rules receive it as their subject."""

    root: Path
    config: Config
    repo: Repository
    schemas: SchemaRegistry
    sources: dict[str, SourceFile] = field(default_factory=dict)
    overlays: list[RenderedOverlay] = field(default_factory=list)
    manifests: list[RenderedObject] = field(default_factory=list)
    # the files under ``policies:`` in the config, loaded once (admission-policy-denied)
    policies: list[RenderedObject] = field(default_factory=list)
    full_run: bool = True  # False for a run limited to some files (pre-commit)
    # inputs the engine collects once and rules read (no rule opens a file)
    dags: tuple[DagFile, ...] = ()  # the Python files under the Airflow DAGs folder
    # a generated DAG's committed manifest (repo-relative) -> (object, why it cannot be read)
    dag_manifests: dict[str, tuple[dict[str, Any] | None, str | None]] = field(default_factory=dict)
    controllers: Controllers | None = None  # what Argo CD and Flux objects deploy

    _lines: dict[str, list[str]] = field(default_factory=dict, repr=False)
    # overlay path -> {object key: repo-relative origin}; filled on demand by the engine
    trace: Callable[[RenderedOverlay], dict[ObjectKey, str | None]] | None = None
    _origins: dict[str, dict[ObjectKey, str | None]] = field(default_factory=dict, repr=False)
    # overlay path -> the (images, model URIs) it rendered at each commit that changed it,
    # newest first; read from git history on first need (None outside git)
    history: Callable[[str], list[tuple[str, Any]] | None] | None = None

    def origin_of(self, obj: RenderedObject) -> str | None:
        """The file an object came from; traced through kustomize on first need."""
        if obj.origin is not None or obj.overlay is None or self.trace is None:
            return obj.origin
        if obj.overlay not in self._origins:
            overlay = next((o for o in self.overlays if o.path == obj.overlay), None)
            self._origins[obj.overlay] = self.trace(overlay) if overlay else {}
        return self._origins[obj.overlay].get(obj.key)

    def lines(self, rel_path: str) -> list[str]:
        """The text lines of a repository file, read once; empty when unreadable."""
        if rel_path not in self._lines:
            try:
                text = (self.root / rel_path).read_bytes().decode("utf-8-sig", "replace")
            except OSError:
                text = ""
            self._lines[rel_path] = text.splitlines()
        return self._lines[rel_path]

    def environment(self, name: str | None) -> Environment | None:
        return self.config.environment(name)

    def tier(self, env: str | None) -> str:
        found = self.config.environment(env)
        return found.tier if found else "dev"

    def objects_by_environment(self) -> dict[str | None, list[RenderedObject]]:
        """Every object, grouped by environment (None: no environment), in render order."""
        grouped: dict[str | None, list[RenderedObject]] = {}
        for obj in self.objects():
            grouped.setdefault(obj.environment, []).append(obj)
        return grouped

    def objects(self) -> Iterator[RenderedObject]:
        for overlay in self.overlays:
            yield from overlay.objects
        yield from self.manifests
