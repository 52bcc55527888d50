"""The schema registry: Kubernetes, bundled CRDs, user CRDs; one validator per kind.

* Kubernetes: the strict JSON schemas inside the ``kubernetes-validate``
  package for the configured minor version (the newest one not newer than it),
  located with ``find_spec`` rather than imported (its import costs ~250 ms).
  Each kind's schema is made self-contained with only the definitions it
  reaches, then compiled once with jsonschema-rs.
* CRDs: the bundle in ``schemas/crds`` (``index.json`` names a file per
  ``group/version/Kind``), extra folders from the config, and
  CustomResourceDefinitions found among the rendered objects.

jsonschema-rs gives the same verdicts and JSON paths as jsonschema at ~100x
its speed (see PERF-NOTES); errors carry the instance path for file:line.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from gitops_ml import resources
from gitops_ml.errors import UserError
from gitops_ml.paths import PathRefused, confined

MAX_ERRORS_PER_OBJECT = 20
INDEX_NAME = "index.json"
MAX_INDEX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class SchemaError:
    path: tuple[str | int, ...]
    message: str
    keyword: str = ""  # the failing JSON Schema keyword: required, type, additionalProperties...
    unknown: bool = False  # the error is that the field at ``path`` is not in the schema


@cache
def kubernetes_schema_root() -> Path:
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the kubernetes-validate package is not installed")
    return Path(spec.origin).parent / "kubernetes-json-schema"


def available_versions() -> list[str]:
    found = []
    for child in kubernetes_schema_root().iterdir():
        m = re.match(r"^v(\d+)\.(\d+)\.\d+-local-strict\Z", child.name)
        if m:
            found.append((int(m.group(1)), int(m.group(2))))
    return [f"{a}.{b}" for a, b in sorted(found)]


def resolve_version(wanted: str) -> str:
    """The newest bundled Kubernetes minor version not newer than ``wanted``.

    A version outside the bundled range is refused: schemas of 1.37 say nothing
    of what 1.99 accepts, and validating against them would pass silently.
    """
    versions = available_versions()
    try:
        major, minor = (int(x) for x in wanted.lstrip("v").split(".")[:2])
    except ValueError:
        raise ValueError(f"{wanted!r} is not a Kubernetes version such as 1.33") from None
    numbers = [tuple(int(x) for x in v.split(".")) for v in versions]
    span = f"the bundled schemas cover Kubernetes {versions[0]} to {versions[-1]}"
    if (major, minor) < numbers[0]:
        raise ValueError(f"Kubernetes {wanted} is older than the oldest bundled schemas; {span}")
    if (major, minor) > numbers[-1]:
        raise ValueError(f"Kubernetes {wanted} is newer than the newest bundled schemas; {span}")
    return [v for v, n in zip(versions, numbers, strict=True) if n <= (major, minor)][-1]


def kubernetes_file_name(api_version: str, kind: str) -> str | None:
    """kubernetes-validate's file for a built-in kind, None for non-core groups."""
    group, _, version = api_version.rpartition("/")
    if group and "." in group and not group.endswith(".k8s.io"):
        return None
    prefix = group.split(".")[0] if group else ""
    api = f"{prefix}-{version}" if prefix else version
    return f"{kind.lower()}-{api}.json"


def _rewrite_refs(node: Any, wanted: set[str], *, names: bool = False) -> Any:
    """``node`` with local ``$ref``s and without documentation strings.

    ``names`` marks a ``properties`` map, whose keys are field names: a field
    called ``description`` (PriorityClass, CustomResourceDefinition) is kept.
    """
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if names:
                out[key] = _rewrite_refs(value, wanted)
            elif key == "$ref" and isinstance(value, str) and "#/$defs/" in value:
                name = value.split("#/$defs/", 1)[1]
                wanted.add(name)
                out[key] = f"#/$defs/{name}"
            elif key == "description" and isinstance(value, str):
                continue
            else:
                out[key] = _rewrite_refs(
                    value, wanted, names=key in ("properties", "patternProperties")
                )
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, wanted) for v in node]
    return node


class SchemaRegistry:
    """Compiled validators by (apiVersion, kind), built on first use."""

    def __init__(self, kubernetes_version: str, crd_dirs: tuple[Path, ...] = ()) -> None:
        self.kubernetes_version = resolve_version(kubernetes_version)
        self._k8s_dir = kubernetes_schema_root() / f"v{self.kubernetes_version}.0-local-strict"
        self._crd_dirs = (resources.schemas_dir() / "crds", *crd_dirs)
        self._lock = threading.Lock()
        self._validators: dict[tuple[str, str], Any] = {}
        self._definitions: dict[str, Any] | None = None
        self._crd_index: dict[str, Path] | None = None
        self._extra: dict[tuple[str, str], dict[str, Any]] = {}
        self._extra_rules: dict[tuple[str, str], dict[str, Any]] = {}
        self._rules: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._builtin_prefixes: set[str] | None = None
        # a repository's own folders are checked now, so a bad entry is a setup error
        self._user_indexes = {d: read_index(d) for d in crd_dirs}

    # -- sources of schemas ------------------------------------------------------

    def _defs(self) -> dict[str, Any]:
        if self._definitions is None:
            with (self._k8s_dir / "_definitions.json").open(encoding="utf-8") as handle:
                self._definitions = json.load(handle)["$defs"]
        return self._definitions

    def _k8s_schema(self, api_version: str, kind: str) -> dict[str, Any] | None:
        name = kubernetes_file_name(api_version, kind)
        if name is None:
            return None
        path = self._k8s_dir / name
        if not path.is_file():
            return None
        with path.open(encoding="utf-8") as handle:
            top = json.load(handle)
        kinds = top.get("properties", {}).get("kind", {}).get("enum")
        if kinds and kind not in kinds:
            return None  # a file name can match case-insensitively only
        defs = self._defs()
        wanted: set[str] = set()
        schema: dict[str, Any] = _rewrite_refs(top, wanted)
        included: dict[str, Any] = {}
        while wanted:
            name_ = wanted.pop()
            if name_ in included or name_ not in defs:
                continue
            included[name_] = _rewrite_refs(defs[name_], wanted)
        schema["$defs"] = included
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        return schema

    def _index(self) -> dict[str, Path]:
        if self._crd_index is None:
            index: dict[str, Path] = {}
            for directory in self._crd_dirs:
                entries = self._user_indexes.get(directory)
                for key, path in (read_index(directory) if entries is None else entries).items():
                    index.setdefault(key, path)
            self._crd_index = index
        return self._crd_index

    def _crd_schema(self, api_version: str, kind: str) -> dict[str, Any] | None:
        extra = self._extra.get((api_version, kind))
        if extra is not None:
            return extra
        path = self._index().get(f"{api_version}/{kind}")
        if path is None or not path.is_file():
            return None
        try:
            raw = path.read_bytes()
            if path.suffix == ".gz":
                raw = gzip.decompress(raw)
            data = json.loads(raw)
        except (OSError, ValueError, EOFError, RecursionError) as exc:
            raise UserError(f"the schema {path} cannot be read: {_reason(exc)}") from None
        return data if isinstance(data, dict) else None

    def add_schema(
        self,
        api_version: str,
        kind: str,
        schema: dict[str, Any],
        rules: dict[str, Any] | None = None,
    ) -> None:
        """A schema found at run time (a CRD in the repository); bundled ones win.

        ``rules`` is the CRD's CEL rule tree (``crdrules.rule_tree``), if it has rules.
        """
        with self._lock:
            if f"{api_version}/{kind}" not in self._index():
                self._extra.setdefault((api_version, kind), schema)
                if rules is not None:
                    self._extra_rules.setdefault((api_version, kind), rules)

    def cel_rules(self, api_version: str, kind: str) -> dict[str, Any] | None:
        """The CEL rule tree of a custom resource kind; None when its CRD has no rules.

        The tree is the ``.cel.json`` file beside the kind's schema in a bundle, or
        what ``add_schema`` was given; read once per kind.
        """
        key = (api_version, kind)
        with self._lock:
            if key in self._rules:
                return self._rules[key]
            if key in self._extra:
                tree = self._extra_rules.get(key)
                self._rules[key] = tree
                return tree
        tree = None
        path = self._index().get(f"{api_version}/{kind}")
        if path is not None and path.suffix == ".json":
            rules_file = path.with_name(path.name.removesuffix(".json") + ".cel.json")
            if rules_file.is_file():
                tree = _read_rule_tree(rules_file)
        with self._lock:
            self._rules[key] = tree
        return tree

    def knows(self, api_version: str, kind: str) -> bool:
        return self._validator(api_version, kind) is not None

    def builtin_group(self, group: str) -> bool:
        """A group of Kubernetes' own API (``apps``, ``batch``, core ``""``...)."""
        if kubernetes_file_name(f"{group}/v1" if group else "v1", "X") is None:
            return False
        if self._builtin_prefixes is None:
            names = (p.name for p in self._k8s_dir.glob("*-*.json"))
            self._builtin_prefixes = {
                parts[1] if len(parts) == 3 else "" for parts in (n.split("-") for n in names)
            }
        return (group.split(".")[0] if group else "") in self._builtin_prefixes

    def knows_kind(self, group: str, kind: str) -> bool:
        """Whether ``kind`` of ``group`` has a schema in some version (a bundled or user CRD)."""
        prefix, suffix = f"{group}/", f"/{kind}"
        return any(k.startswith(prefix) and k.endswith(suffix) for k in self._index()) or any(
            api.startswith(prefix) and k == kind for api, k in self._extra
        )

    # -- validation ----------------------------------------------------------------

    def _validator(self, api_version: str, kind: str) -> Any:
        key = (api_version, kind)
        with self._lock:
            if key in self._validators:
                return self._validators[key]
        schema = self._crd_schema(api_version, kind) or self._k8s_schema(api_version, kind)
        validator = _compile(schema) if schema is not None else None
        with self._lock:
            self._validators[key] = validator
        return validator

    def kustomization_validator(self) -> Any:
        """kustomize's schema of a kustomization file (``schemas/kustomization.schema.json``)."""
        return _kustomization_validator()

    def validate(self, obj: dict[str, Any]) -> list[SchemaError] | None:
        """Errors of ``obj``; None when no schema knows its kind."""
        api_version = str(obj.get("apiVersion") or "")
        kind = str(obj.get("kind") or "")
        validator = self._validator(api_version, kind)
        if validator is None:
            return None
        return schema_errors(validator, obj)


def _read_rule_tree(path: Path) -> dict[str, Any]:
    from gitops_ml.crdrules import is_valid_tree

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"Cannot read the CEL rule file {path}: {exc}.") from None
    if not is_valid_tree(data):
        raise UserError(
            f"The CEL rule file {path} is not a rule tree; regenerate it with `gitops-ml schemas import`."
        )
    tree: dict[str, Any] = data
    return tree


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return str(exc.strerror or exc)
    if isinstance(exc, RecursionError):
        return "it nests too deeply"
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string" if isinstance(value, str) else "null"


def read_index(directory: Path) -> dict[str, Path]:
    """The ``index.json`` of a schema folder: ``apiVersion/kind`` -> the schema file.

    The folder is the repository's (``crds:`` in gitops-ml.yaml), so the index
    is input: it must be a JSON object of strings, and each file it names must
    stay in the folder (``paths.confined``: not absolute, no ``..`` out, no
    symbolic link); anything else is a UserError (one sentence) and no file it
    names is read.
    """
    index_file = directory / INDEX_NAME
    if not (index_file.exists() or index_file.is_symlink()):
        return {}
    try:
        index_file = confined(directory, INDEX_NAME, what=f"the schema index {index_file}")
        if index_file.stat().st_size > MAX_INDEX_BYTES:
            raise UserError(f"the schema index {index_file} is over {MAX_INDEX_BYTES} bytes")
        entries = json.loads(index_file.read_bytes())
    except (OSError, ValueError, RecursionError) as exc:
        raise UserError(f"the schema index {index_file} is not JSON: {_reason(exc)}") from None
    if not isinstance(entries, dict):
        raise UserError(
            f"the schema index {index_file} is a JSON {_json_type(entries)}, not an object "
            "of names to schema files"
        )
    out: dict[str, Path] = {}
    for key, rel in entries.items():
        if not isinstance(rel, str):
            raise UserError(
                f"the schema index {index_file} maps {key[:100]!r} to a JSON "
                f"{_json_type(rel)}, not to a file name"
            )
        try:
            # a link to a file beside it is fine; one leading out is not
            target = confined(directory, rel, allow_link=True)
        except PathRefused:
            target = None
        if target is None or not target.resolve().is_relative_to(directory.resolve()):
            raise UserError(
                f"{index_file} names {rel[:200]!r} for {key[:100]!r}, a file outside its folder; "
                "gitops-ml does not read it"
            )
        out[key] = target
    return out


@cache
def _kustomization_validator() -> Any:
    import jsonschema_rs

    schema = json.loads(resources.schema_text("kustomization.schema.json"))
    return jsonschema_rs.validator_for(schema, validate_formats=False)


def schema_errors(validator: Any, instance: Any) -> list[SchemaError]:
    """Errors of ``instance``, one per JSON path, unknown fields named one by one."""
    errors: dict[tuple[str | int, ...], SchemaError] = {}
    for error in validator.iter_errors(instance):
        path = tuple(error.instance_path)
        unexpected = getattr(error.kind, "unexpected", None)
        if type(error.kind).__name__ == "AdditionalProperties" and unexpected:
            for key in unexpected:
                field_path = (*path, str(key))
                errors.setdefault(
                    field_path,
                    SchemaError(
                        field_path, f"unknown field {key!r}", "additionalProperties", unknown=True
                    ),
                )
        else:
            # an anyOf/oneOf failure repeats its branches' errors at the same path
            errors.setdefault(path, SchemaError(path, _message(error), _keyword(error)))
        if len(errors) >= MAX_ERRORS_PER_OBJECT:
            break
    return list(errors.values())


def _keyword(error: Any) -> str:
    name = type(error.kind).__name__  # jsonschema-rs: Required, Type, AnyOf, ...
    return name[:1].lower() + name[1:]


def _compile(schema: dict[str, Any]) -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(schema, validate_formats=False)


def _message(error: Any) -> str:
    message = str(error.message)
    if len(message) > 300:
        message = message[:297] + "..."
    return message


@cache
def registry_for(kubernetes_version: str, crd_dirs: tuple[Path, ...] = ()) -> SchemaRegistry:
    return SchemaRegistry(kubernetes_version, crd_dirs)
