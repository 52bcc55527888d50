"""Airflow DAGs in a GitOps repository, read with ``ast``: never imported, never run.

A DAG that gitops-ml generates names what it launches in one literal,

    GITOPS_ML = {"model": ..., "environment": ..., "overlay": ..., "manifest": ...}

where ``manifest`` is relative to the DAG file: the overlay's training object
as ``gitops-ml render`` builds it, committed next to the DAG (written by
``new-model --orchestrator airflow`` and refreshed by ``gitops-ml airflow
sync``). Airflow workers read that file at run time, so they never need
kustomize, and lint compares it with the overlay, so it cannot drift unseen.

This module also finds, in any DAG file, the schedules (``DAG(schedule=...)``,
``@dag(schedule=...)``), the objects a DAG embeds (dict literals and YAML
strings with ``apiVersion`` and ``kind``, pod operators given an ``image``)
and the ``pod_template_file`` paths it names.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from gitops_ml import yamlio
from gitops_ml.config import Config
from gitops_ml.errors import UserError, YamlError

MARKER = "GITOPS_ML"
MARKER_KEYS = ("model", "environment", "overlay", "manifest")
MANIFEST_DIR = "manifests"
TRAINING_KINDS = ("PyTorchJob", "TFJob", "TrainJob", "Job")
MAX_DAG_BYTES = 1024 * 1024
MAX_DAG_FILES = 5000

# Operators that start a pod from arguments given in the DAG itself.
POD_OPERATORS = frozenset(
    {
        "KubernetesPodOperator",
        "KubernetesJobOperator",
        "GKEStartPodOperator",
        "EksPodOperator",
        "kubernetes",  # @task.kubernetes(image=...)
    }
)
_NOISY_ANNOTATIONS = ("config.kubernetes.io/", "internal.config.kubernetes.io/")


# -- reading DAG files -----------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A literal found in a DAG file and the 1-based line it is on."""

    value: Any
    line: int


@dataclass(frozen=True)
class Embedded:
    """An object or pod that a DAG spells out instead of reading the repository's."""

    line: int
    what: str  # "object" or "pod"
    data: dict[str, Any] | None = None
    image: str | None = None

    @property
    def kind(self) -> str:
        return str((self.data or {}).get("kind") or "Pod")

    @property
    def name(self) -> str:
        meta = (self.data or {}).get("metadata")
        return str(meta.get("name") or "") if isinstance(meta, dict) else ""


@dataclass(frozen=True)
class DagFile:
    rel: str  # repo-relative POSIX path
    error: str | None = None
    error_line: int | None = None
    marker: Mapping[str, Value] | None = None  # the GITOPS_ML literal of a generated DAG
    marker_line: int | None = None
    schedules: tuple[Value, ...] = ()
    embedded: tuple[Embedded, ...] = ()
    pod_template_files: tuple[Value, ...] = ()

    @property
    def generated(self) -> bool:
        return self.marker is not None

    def value_of(self, key: str) -> str | None:
        found = (self.marker or {}).get(key)
        return found.value if found is not None and isinstance(found.value, str) else None

    def line_of(self, key: str) -> int:
        found = (self.marker or {}).get(key)
        return found.line if found is not None else (self.marker_line or 1)

    def manifest_rel(self) -> str | None:
        """The committed manifest's repo-relative path, or None when it leaves the repo."""
        manifest = self.value_of("manifest")
        if manifest is None:
            return None
        joined = PurePosixPath(self.rel).parent / manifest
        parts: list[str] = []
        for part in joined.parts:
            if part == "..":
                if not parts:
                    return None
                parts.pop()
            elif part != ".":
                parts.append(part)
        if PurePosixPath(manifest).is_absolute() or not parts:
            return None
        return "/".join(parts)


def parse_dag(text: str, rel: str) -> DagFile:
    """What a DAG file declares, from its syntax tree alone."""
    try:
        tree = ast.parse(text, filename=rel)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return DagFile(
            rel=rel,
            error=f"is not valid Python: {exc.msg if isinstance(exc, SyntaxError) else exc}",
            error_line=line,
        )
    constants = _constants(tree)
    marker, marker_line = _marker(tree)
    return DagFile(
        rel=rel,
        marker=marker,
        marker_line=marker_line,
        schedules=tuple(_schedules(tree, constants)),
        embedded=tuple(_embedded(tree)),
        pod_template_files=tuple(_keyword_strings(tree, "pod_template_file", constants)),
    )


def _constants(tree: ast.Module) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for node in tree.body:
        target, value = _assignment(node)
        if target is None or value is None:
            continue
        try:
            out[target] = Value(ast.literal_eval(value), value.lineno)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
    return out


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if isinstance(target, ast.Name):
            return target.id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _marker(tree: ast.Module) -> tuple[dict[str, Value] | None, int | None]:
    for node in tree.body:
        target, value = _assignment(node)
        if target != MARKER or not isinstance(value, ast.Dict):
            continue
        found: dict[str, Value] = {}
        for key, item in zip(value.keys, value.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                literal = item.value if isinstance(item, ast.Constant) else None
                found[key.value] = Value(literal, item.lineno)
        return found, value.lineno
    return None, None


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _resolve(node: ast.expr, constants: Mapping[str, Value]) -> Value | None:
    if isinstance(node, ast.Constant):
        return Value(node.value, node.lineno)
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    return None


def _schedules(tree: ast.Module, constants: Mapping[str, Value]) -> Iterator[Value]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _call_name(node) not in ("DAG", "dag"):
            continue
        for keyword in node.keywords:
            if keyword.arg in ("schedule", "schedule_interval"):
                found = _resolve(keyword.value, constants)
                if found is not None and (found.value is None or isinstance(found.value, str)):
                    yield found


def _keyword_strings(
    tree: ast.Module, name: str, constants: Mapping[str, Value]
) -> Iterator[Value]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == name:
                    found = _resolve(keyword.value, constants)
                    if found is not None and isinstance(found.value, str):
                        yield found


def _embedded(tree: ast.Module) -> Iterator[Embedded]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if {"apiVersion", "kind"} <= keys:
                try:
                    data = ast.literal_eval(node)
                except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                    data = None
                yield Embedded(node.lineno, "object", data if isinstance(data, dict) else None)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if "apiVersion:" in node.value and "kind:" in node.value:
                for doc in _yaml_objects(node.value):
                    yield Embedded(node.lineno, "object", doc)
        elif isinstance(node, ast.Call) and _call_name(node) in POD_OPERATORS:
            for keyword in node.keywords:
                if keyword.arg == "image" and isinstance(keyword.value, ast.Constant):
                    image = keyword.value.value
                    if isinstance(image, str):
                        yield Embedded(node.lineno, "pod", image=image)


def _yaml_objects(text: str) -> list[dict[str, Any]]:
    try:
        loaded = yamlio.load_fast(text)
    except YamlError:
        return []
    return [d for d in loaded.documents if isinstance(d, dict) and "kind" in d]


def dags_folder(root: Path, config: Config) -> Path:
    return root / config.airflow.dags_folder


def dag_paths(root: Path, config: Config) -> list[Path]:
    """The ``.py`` files under the configured DAGs folder; links are not followed."""
    folder = dags_folder(root, config)
    if not folder.is_dir() or folder.is_symlink():
        return []
    try:
        folder.resolve().relative_to(root.resolve())
    except ValueError:
        return []
    out: list[Path] = []
    for path in sorted(folder.rglob("*.py")):
        if path.is_symlink() or not path.is_file() or "__pycache__" in path.parts:
            continue
        if any(p.is_symlink() for p in path.relative_to(folder).parents if p != Path(".")):
            continue
        out.append(path)
        if len(out) >= MAX_DAG_FILES:
            break
    return out


def read_dag(root: Path, path: Path) -> DagFile:
    rel = path.relative_to(root).as_posix()
    try:
        if path.stat().st_size > MAX_DAG_BYTES:
            return DagFile(rel=rel, error=f"is over the {MAX_DAG_BYTES}-byte limit", error_line=1)
        text = path.read_bytes().decode("utf-8-sig", "replace")
    except OSError as exc:
        return DagFile(rel=rel, error=f"cannot be read: {exc.strerror}", error_line=1)
    return parse_dag(text, rel)


def read_dags(root: Path, config: Config) -> list[DagFile]:
    return [read_dag(root, p) for p in dag_paths(root, config)]


# -- schedules --------------------------------------------------------------------------

PRESETS = frozenset(
    {
        "@once",
        "@continuous",
        "@hourly",
        "@daily",
        "@weekly",
        "@monthly",
        "@quarterly",
        "@yearly",
        "@annually",
        "@midnight",
    }
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELDS: tuple[tuple[str, int, int, Mapping[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, {m: i + 1 for i, m in enumerate(_MONTHS)}),
    ("day of week", 0, 7, {d: i for i, d in enumerate(_WEEKDAYS)}),
)
_ITEM = re.compile(r"^(?P<range>\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:/(?P<step>\d+))?$")


def schedule_problem(value: Any) -> str | None:
    """Why ``value`` is not a schedule Airflow accepts (None, a preset, five-field cron)."""
    if value is None:
        return None
    if not isinstance(value, str):
        return f"{value!r} is not a cron expression or preset"
    text = value.strip()
    if text.startswith("@"):
        return None if text in PRESETS else f"{value!r} is not an Airflow preset such as @daily"
    fields = text.split()
    if len(fields) != 5:
        return f"{value!r} has {len(fields)} fields; a cron expression has five (minute hour day month weekday)"
    for text_field, (name, low, high, names) in zip(fields, _FIELDS, strict=True):
        problem = _field_problem(text_field, name, low, high, names)
        if problem:
            return f"{value!r}: {problem}"
    return None


def _field_problem(
    text: str, name: str, low: int, high: int, names: Mapping[str, int]
) -> str | None:
    for item in text.split(","):
        if name == "day of month" and item in ("L", "l"):
            continue
        if name == "day of week" and re.fullmatch(r"[0-7](#[1-5]|L)", item):
            continue
        match = _ITEM.match(item)
        if match is None:
            return f"{item!r} is not a valid {name} field"
        if match["step"] is not None and int(match["step"]) == 0:
            return f"the step in {item!r} is zero"
        if match["range"] == "*":
            continue
        bounds = match["range"].split("-")
        numbers = []
        for bound in bounds:
            number = names.get(bound.lower()) if not bound.isdigit() else int(bound)
            if number is None or not low <= number <= high:
                return f"{bound!r} is not a {name} ({low}-{high})"
            numbers.append(number)
        if len(numbers) == 2 and numbers[0] > numbers[1]:
            return f"the {name} range {item!r} runs backwards"
    return None


# -- the training object and its committed rendering ---------------------------------------


def training_object(objects: Iterable[dict[str, Any]], model: str | None) -> dict[str, Any] | None:
    """The object a retraining run creates: ``<model>-train`` first, else the first job."""
    candidates = [o for o in objects if isinstance(o, dict) and o.get("kind") in TRAINING_KINDS]
    for obj in candidates:
        meta = obj.get("metadata")
        if model and isinstance(meta, dict) and meta.get("name") == f"{model}-train":
            return obj
    return candidates[0] if candidates else None


def comparable(obj: Any) -> Any:
    """``obj`` as plain JSON data without build-only annotations (kustomize origins)."""
    data = json.loads(json.dumps(obj, default=str))
    meta = data.get("metadata") if isinstance(data, dict) else None
    if isinstance(meta, dict) and isinstance(meta.get("annotations"), dict):
        kept = {
            k: v
            for k, v in meta["annotations"].items()
            if not str(k).startswith(_NOISY_ANNOTATIONS)
        }
        if kept:
            meta["annotations"] = kept
        else:
            del meta["annotations"]
    return data


Path_ = tuple[str | int, ...]


def first_difference(a: Any, b: Any, path: Path_ = ()) -> Path_ | None:
    """The first JSON path where ``a`` and ``b`` differ; None when they are equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            found = first_difference(a.get(key), b.get(key), (*path, key))
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for index in range(max(len(a), len(b))):
            left = a[index] if index < len(a) else None
            right = b[index] if index < len(b) else None
            found = first_difference(left, right, (*path, index))
            if found is not None:
                return found
        return None
    return None if a == b else path


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the whole object)"


def images_of(node: Any) -> Iterator[str]:
    """Every ``image`` string inside an object (containers, TrainJob's trainer)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "image" and isinstance(value, str):
                yield value
            else:
                yield from images_of(value)
    elif isinstance(node, list):
        for item in node:
            yield from images_of(item)


def image_repository(image: str) -> str:
    name = image.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]


def manifest_text(obj: dict[str, Any], overlay: str) -> str:
    return (
        f"# Generated by gitops-ml from {overlay}: the training run Airflow launches.\n"
        "# Do not edit: change the overlay, then run `gitops-ml airflow sync`\n"
        "# (`gitops-ml lint` reports this file when it differs from the overlay).\n"
        + yamlio.dump_plain([comparable(obj)])
    )


def manifest_name(model: str, env: str) -> str:
    return f"{MANIFEST_DIR}/{model}_{env}_train.yaml"


def dag_name(model: str, env: str) -> str:
    return f"{model}_{env}_retrain.py"


def load_manifest(root: Path, rel: str) -> tuple[dict[str, Any] | None, str | None]:
    """The committed training object, or why it cannot be read."""
    path = root / rel
    if path.is_symlink():
        return None, f"{rel} is a symbolic link"
    if not path.is_file():
        return None, f"{rel} does not exist"
    try:
        loaded = yamlio.load_fast(yamlio.read_text(path, rel))
    except YamlError as exc:
        return None, f"{rel} is not valid YAML: {exc.message}"
    docs = [d for d in loaded.documents if d is not None]
    if len(docs) != 1 or not isinstance(docs[0], dict):
        return None, f"{rel} must hold exactly one object, not {len(docs)} documents"
    if docs[0].get("kind") not in TRAINING_KINDS:
        return (
            None,
            f"{rel} holds a {docs[0].get('kind')!r}, not one of {', '.join(TRAINING_KINDS)}",
        )
    return docs[0], None


# -- airflow sync -----------------------------------------------------------------------


@dataclass(frozen=True)
class SyncResult:
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def sync(
    root: Path,
    config: Config,
    engine: str | None = None,
    check: bool = False,
    allow_remote: bool = False,
) -> SyncResult:
    """Re-render every generated DAG's overlay and write its training manifest when it changed.

    With ``check``, nothing is written: the manifests that would change are
    listed as ``written``. Builds go through the build layer's guard: an
    overlay it refuses (a remote base without ``allow_remote``, a path out of
    the repository, a file over the limits) is a problem, and nothing of it is
    written.
    """
    from gitops_ml.build import BuildOptions, render_folder, repository

    options = BuildOptions(engine=engine, allow_remote=allow_remote, cache=False)
    repo = None
    written: list[str] = []
    unchanged: list[str] = []
    problems: list[str] = []
    for dag in read_dags(root, config):
        if not dag.generated:
            continue
        overlay, manifest = dag.value_of("overlay"), dag.manifest_rel()
        if overlay is None or manifest is None or not (root / overlay).is_dir():
            problems.append(f"{dag.rel} names no overlay or manifest inside the repository")
            continue
        if not _inside(root, root / overlay) or not _inside(root, root / manifest):
            problems.append(f"{dag.rel} names a path outside the repository")
            continue
        repo = repo or repository(root, config.ignore, options)
        try:
            built = render_folder(root, root / overlay, options, repo)
        except UserError as exc:
            problems.append(f"{dag.rel}: {exc}")
            continue
        if built.skipped is not None:
            problems.append(f"{overlay} is not built: {built.skipped}")
            continue
        if built.error is not None:
            problems.append(f"{overlay} does not build: {built.error}")
            continue
        obj = training_object((o.data for o in built.objects), dag.value_of("model"))
        if obj is None:
            problems.append(f"{overlay} renders no {', '.join(TRAINING_KINDS)}")
            continue
        current, _ = load_manifest(root, manifest)
        if current is not None and comparable(current) == comparable(obj):
            unchanged.append(manifest)
            continue
        if not check:
            yamlio.atomic_write(root / manifest, manifest_text(obj, overlay))
        written.append(manifest)
    return SyncResult(tuple(written), tuple(unchanged), tuple(problems))


def _inside(root: Path, path: Path) -> bool:
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        if current.is_symlink():
            return False
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def check_settings(config: Config) -> None:
    folder = PurePosixPath(config.airflow.dags_folder)
    if folder.is_absolute() or ".." in folder.parts:
        raise UserError(
            f"airflow.dagsFolder {config.airflow.dags_folder!r} must be a folder inside the repository"
        )
