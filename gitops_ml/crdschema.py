"""CustomResourceDefinition -> JSON Schema (draft 2020-12) for whole objects.

``convert_crd`` turns every served version of a CRD into a self-contained
schema that validates a manifest the way the API server would see it in
strict field validation:

* ``apiVersion`` and ``kind`` are required constants; ``metadata`` is a
  permissive ObjectMeta (the API server ignores a CRD's own metadata schema).
* Unknown fields are rejected: ``additionalProperties: false`` is added to every
  schema that lists ``properties`` and neither says what else is allowed nor
  sets ``x-kubernetes-preserve-unknown-fields``. Inside ``anyOf``/``oneOf``/
  ``allOf``/``not`` nothing is added: there ``properties`` only constrain, they
  do not declare fields (structural schema rules).
* ``x-kubernetes-int-or-string`` accepts integer or string, ``nullable`` adds
  null, ``x-kubernetes-embedded-resource`` allows apiVersion/kind/metadata, and
  ``x-kubernetes-preserve-unknown-fields`` without a type accepts anything.
* OpenAPI 3.0 boolean ``exclusiveMinimum``/``exclusiveMaximum`` become the
  numeric 2020-12 keywords.
* Descriptions, defaults, examples and other non-validating keys are dropped, as
  are ``format`` values that only repeat the type (int32, int64, float, double).
  CEL rules (``x-kubernetes-validations``) cannot be JSON Schema: they are kept,
  with the defaults and types their evaluation needs, in a file of their own
  beside the schema, ``<kind>_<version>.cel.json`` (see ``crdrules``).
* ``status`` of a CRD with the status subresource is accepted as any object:
  the API server discards it when a manifest is applied.
* A v1beta1 CRD that does not set ``preserveUnknownFields: false`` keeps
  unknown fields, so no ``additionalProperties: false`` is added to it.

Sub-schemas that occur more than once in one schema (a PodSpec repeated per
component, Argo CD's nested generators) are stored once under ``$defs`` and
referenced, which keeps the bundle small; files are plain minified JSON (no
gzip). ``import_crd_files`` writes ``<out>/<group>/<kind>_<version>.json`` and
an ``index.json`` that maps ``"<group>/<version>/<Kind>"`` to that relative
path. ``python -m gitops_ml.crdschema SRC_DIR OUT_DIR`` regenerates the
bundled set in ``schemas/crds``.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_ml import yamlio
from gitops_ml.crdrules import rule_tree
from gitops_ml.errors import UserError, YamlError
from gitops_ml.paths import confined

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CRD_GROUP = "apiextensions.k8s.io"
INDEX_NAME = "index.json"
CRD_SUFFIXES = (".yaml", ".yml", ".json")
RULES_SUFFIX = ".cel.json"

# Keywords with the same meaning in OpenAPI 3.0 (as CRDs use it) and 2020-12.
_PLAIN_KEYWORDS = frozenset(
    {
        "type",
        "required",
        "enum",
        "pattern",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "multipleOf",
    }
)
_JUNCTORS = ("anyOf", "oneOf", "allOf")
_TYPE_ONLY_FORMATS = frozenset({"int32", "int64", "float", "double"})
# Below this size (minified JSON) a repeated sub-schema is cheaper inline than as a $ref.
_MIN_SHARED_BYTES = 300

_STRING_MAP: dict[str, Any] = {"type": "object", "additionalProperties": {"type": "string"}}
OBJECT_META_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "generateName": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
    },
}


@dataclass(frozen=True)
class CrdSchema:
    """The JSON Schema of one served version of a custom resource kind."""

    group: str
    version: str
    kind: str
    schema: dict[str, Any]
    rules: dict[str, Any] | None = None  # crdrules.rule_tree: the CEL rules, None without any

    @property
    def key(self) -> str:
        """The index key: ``"<group>/<version>/<Kind>"``."""
        return f"{self.group}/{self.version}/{self.kind}"

    @property
    def relative_path(self) -> str:
        """Where the schema lives in a bundle, as a POSIX path."""
        return f"{self.group}/{self.kind.lower()}_{self.version}.json"

    @property
    def rules_path(self) -> str:
        """Where its CEL rules live in a bundle, beside the schema."""
        return rules_path_of(self.relative_path)


def rules_path_of(schema_path: str) -> str:
    """``group/kind_v1.json`` -> ``group/kind_v1.cel.json``."""
    return schema_path.removesuffix(".json") + RULES_SUFFIX


# --- conversion ---------------------------------------------------------------


def convert_crd(crd: Mapping[str, Any]) -> list[CrdSchema]:
    """One whole-object schema per served version of a CRD (v1, or v1beta1)."""
    spec = _mapping(crd.get("spec"), "spec")
    group = _name(spec.get("group"), "spec.group")
    kind = _name(_mapping(spec.get("names"), "spec.names").get("kind"), "spec.names.kind")
    v1beta1 = crd.get("apiVersion") == f"{CRD_GROUP}/v1beta1"
    strict = not (v1beta1 and spec.get("preserveUnknownFields", True) is not False)
    shared_schema = _openapi_schema(spec.get("validation"))
    shared_status = "status" in (spec.get("subresources") or {})
    versions = spec.get("versions") or []
    if not versions and spec.get("version"):
        versions = [{"name": spec["version"], "served": True}]

    out: list[CrdSchema] = []
    for entry in versions:
        if not isinstance(entry, Mapping) or not entry.get("served", False):
            continue
        version = _name(entry.get("name"), "spec.versions[].name")
        source = _openapi_schema(entry.get("schema")) or shared_schema
        subresources = entry.get("subresources") if "subresources" in entry else None
        has_status = "status" in subresources if subresources else shared_status
        schema = _object_schema(source, group, version, kind, strict=strict, status=has_status)
        rules = rule_tree(source, status_subresource=has_status) if source else None
        out.append(CrdSchema(group, version, kind, _share_repeats(schema), rules))
    return out


def _object_schema(
    source: Mapping[str, Any] | None,
    group: str,
    version: str,
    kind: str,
    *,
    strict: bool,
    status: bool,
) -> dict[str, Any]:
    body: dict[str, Any] = _convert(source, strict=strict) if source else {"type": "object"}
    props: dict[str, Any] = dict(body.get("properties", {}))
    api_version = f"{group}/{version}" if group else version
    props["apiVersion"] = {"const": api_version}
    props["kind"] = {"const": kind}
    props["metadata"] = OBJECT_META_SCHEMA
    if status and "status" in props:
        props["status"] = {"type": "object"}
    required = ["apiVersion", "kind"]
    required += [name for name in body.get("required", []) if name not in required]
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DIALECT}
    schema.update(body)
    schema["type"] = "object"
    schema["properties"] = props
    schema["required"] = required
    return schema


_ANCHORED_FLAGS = re.compile(r"\^\(\?([imsU]+)\)")


def _portable_pattern(pattern: Any) -> Any:
    """A Go (RE2) pattern that Python's ``re`` (schema checks) reads the same way.

    RE2 and jsonschema-rs accept inline flags anywhere (``^(?i)[a-z]``, Kueue's
    AdmissionCheck); Python only at the start. ``^(?i)`` and ``(?i)^`` mean the same.
    """
    if not isinstance(pattern, str):
        return pattern
    match = _ANCHORED_FLAGS.match(pattern)
    if match is None:
        return pattern
    return f"(?{match.group(1)})^{pattern[match.end() :]}"


def _convert(node: Mapping[str, Any], *, strict: bool) -> dict[str, Any]:
    """One OpenAPI v3 (structural) schema node to draft 2020-12.

    ``strict`` is false inside logical junctors, where listing properties does
    not declare the object's fields.
    """
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "pattern":
            out[key] = _portable_pattern(value)
        elif key in _PLAIN_KEYWORDS or (key == "format" and value not in _TYPE_ONLY_FORMATS):
            out[key] = value
        elif key == "properties":
            out[key] = {name: _convert(sub, strict=strict) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, Mapping):
            out[key] = _convert(value, strict=strict)
        elif key == "additionalProperties":
            out[key] = bool(value)
        elif key in _JUNCTORS:
            out[key] = [_convert(sub, strict=False) for sub in value]
        elif key == "not":
            out[key] = _convert(value, strict=False)
    _exclusive_bounds(node, out)
    if node.get("x-kubernetes-embedded-resource"):
        _allow_embedded_resource(out)
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    if strict and "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
    if node.get("nullable"):
        out = _allow_null(out)
    return out


def _exclusive_bounds(node: Mapping[str, Any], out: dict[str, Any]) -> None:
    # OpenAPI 3.0 spells an exclusive bound as a flag beside minimum/maximum.
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(flag)
        if value is True and bound in out:
            out[flag] = out.pop(bound)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[flag] = value


def _allow_embedded_resource(out: dict[str, Any]) -> None:
    props = out.setdefault("properties", {})
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    props["metadata"] = OBJECT_META_SCHEMA
    if "type" not in out:
        out["type"] = "object"


def _allow_null(out: dict[str, Any]) -> dict[str, Any]:
    if any(key in out for key in (*_JUNCTORS, "not", "enum")) or "type" not in out:
        return {"anyOf": [{"type": "null"}, out]} if out else out
    types = out["type"] if isinstance(out["type"], list) else [out["type"]]
    out["type"] = [*types, "null"]
    return out


def _openapi_schema(holder: Any) -> Mapping[str, Any] | None:
    if isinstance(holder, Mapping):
        schema = holder.get("openAPIV3Schema")
        if isinstance(schema, Mapping):
            return schema
    return None


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise UserError(f"The CustomResourceDefinition has no {where} mapping.")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise UserError(f"The CustomResourceDefinition has no {where}.")
    return value


# What the API server accepts as a CRD's group, kind and version name: these three
# name the schema's file, so nothing else may reach a path. As in
# kubernetes/apiextensions-apiserver pkg/apis/apiextensions/validation/validation.go:
# ValidateCustomResourceDefinitionSpec (group: IsDNS1123Subdomain with at least one
# dot; version: IsDNS1035Label) and ValidateCustomResourceDefinitionNames (kind:
# IsDNS1035Label of strings.ToLower(kind)).
_DNS1123_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(rf"{_DNS1123_LABEL}(?:\.{_DNS1123_LABEL})+")
_DNS1035_LABEL = re.compile(r"[a-z](?:[-a-z0-9]*[a-z0-9])?")


def _name(value: Any, where: str) -> str:
    text = _text(value, where)
    if where == "spec.group":
        ok = len(text) <= 253 and _DNS1123_SUBDOMAIN.fullmatch(text) is not None
        shape = "a DNS subdomain with at least one dot"
        ok = ok and all(len(label) <= 63 for label in text.split("."))
    else:
        name = text.lower() if where == "spec.names.kind" else text
        ok = len(name) <= 63 and _DNS1035_LABEL.fullmatch(name) is not None
        shape = "a DNS-1035 label (letters, digits and '-', starting with a letter)"
    if not ok:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise UserError(f"The CustomResourceDefinition's {where} {shown!r} is not {shape}.")
    return text


# --- sharing repeated sub-schemas ---------------------------------------------


def _canonical(node: Any) -> str:
    return json.dumps(node, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _subschemas(node: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The schema-valued children of a schema (not the ``properties`` mapping itself)."""
    yield from node.get("properties", {}).values()
    for key in ("items", "additionalProperties", "not"):
        if isinstance(node.get(key), Mapping):
            yield node[key]
    for key in _JUNCTORS:
        yield from node.get(key, [])


def _share_repeats(schema: dict[str, Any]) -> dict[str, Any]:
    """Store sub-schemas that occur more than once under ``$defs``; ``$ref`` them."""
    counts: Counter[str] = Counter()

    def count(node: Mapping[str, Any]) -> None:
        for sub in _subschemas(node):
            counts[_canonical(sub)] += 1
            count(sub)

    count(schema)
    defs: dict[str, Any] = {}
    names: dict[str, str] = {}

    def rewrite(node: Mapping[str, Any]) -> dict[str, Any]:
        return _map_subschemas(node, visit)

    def visit(sub: Mapping[str, Any]) -> dict[str, Any]:
        text = _canonical(sub)
        if counts[text] < 2 or len(text) < _MIN_SHARED_BYTES:
            return rewrite(sub)
        if text not in names:
            name = "s" + hashlib.sha256(text.encode()).hexdigest()[:10]
            names[text] = name
            defs[name] = rewrite(sub)
        return {"$ref": f"#/$defs/{names[text]}"}

    out = rewrite(schema)
    if defs:
        out["$defs"] = dict(sorted(defs.items()))
    return out


def _map_subschemas(
    node: Mapping[str, Any], visit: Callable[[Mapping[str, Any]], dict[str, Any]]
) -> dict[str, Any]:
    out = dict(node)
    if "properties" in node:
        out["properties"] = {name: visit(sub) for name, sub in node["properties"].items()}
    for key in ("items", "additionalProperties", "not"):
        if isinstance(node.get(key), Mapping):
            out[key] = visit(node[key])
    for key in _JUNCTORS:
        if key in node:
            out[key] = [visit(sub) for sub in node[key]]
    return out


# --- files --------------------------------------------------------------------


def _is_crd(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and doc.get("kind") == "CustomResourceDefinition"
        and str(doc.get("apiVersion", "")).startswith(f"{CRD_GROUP}/")
    )


def load_crd_documents(path: Path) -> list[dict[str, Any]]:
    """The CustomResourceDefinition documents of a YAML (or JSON) file, in order."""
    try:
        if path.stat().st_size > yamlio.MAX_FILE_BYTES:
            raise UserError(
                f"CRD file {path} is over the {yamlio.MAX_FILE_BYTES}-byte limit; refusing it."
            )
        text = path.read_bytes().decode("utf-8-sig")
        # the loader every input goes through: alias, nesting and size limits
        docs = yamlio.load_fast(text).documents
    except OSError as exc:
        raise UserError(f"Cannot read CRD file {path}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise UserError(f"CRD file {path} is not UTF-8 text.") from None
    except yamlio.LimitError as exc:
        raise UserError(f"CRD file {path} is refused: {exc.message}.") from None
    except YamlError as exc:
        where = f" (line {exc.line})" if exc.line else ""
        raise UserError(f"CRD file {path} is not valid YAML{where}: {exc.message}.") from None
    return [doc for doc in docs if _is_crd(doc)]


def _crd_files(paths: Sequence[Path]) -> Iterator[tuple[Path, bool]]:
    """Each input file, and whether it was named explicitly (so must hold a CRD)."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in CRD_SUFFIXES and p.is_file())
            yield from ((p, False) for p in found)
        elif path.exists():
            yield path, True
        else:
            raise UserError(f"CRD path {path} does not exist.")


def import_crd_files(paths: Sequence[Path], out_dir: Path) -> list[Path]:
    """Convert the CRDs in files and folders into schema files under ``out_dir``.

    Folders are searched recursively for *.yaml, *.yml and *.json files; files
    in them that hold no CRD are skipped, but a file named explicitly must hold
    one. ``out_dir/index.json`` is merged with what is already there. Returns
    the written paths, index last.
    """
    schemas: dict[str, CrdSchema] = {}
    for path, explicit in _crd_files(paths):
        docs = load_crd_documents(path)
        if explicit and not docs:
            raise UserError(f"{path} contains no CustomResourceDefinition.")
        for doc in docs:
            try:
                converted = convert_crd(doc)
            except RecursionError:
                # a schema nested thousands of levels deep, or an alias that contains
                # itself: no API server would store it, and the converter recurses
                raise UserError(
                    f"the schema of a CustomResourceDefinition in {path} nests too deeply "
                    "(or contains itself through a YAML alias)"
                ) from None
            for item in converted:
                schemas[item.key] = item
    if not schemas:
        names = ", ".join(str(p) for p in paths)
        raise UserError(f"No CustomResourceDefinition was found in {names}.")

    index_path = confined(out_dir, INDEX_NAME, what=f"the schema index {out_dir / INDEX_NAME}")
    index = _read_index(index_path)
    written: list[Path] = []
    for key in sorted(schemas):
        item = schemas[key]
        target = confined(out_dir, item.relative_path, what=f"the schema file of {key}")
        yamlio.atomic_write(target, _canonical(item.schema) + "\n")
        index[key] = item.relative_path
        written.append(target)
        rules_target = out_dir / item.rules_path
        if item.rules is not None:
            yamlio.atomic_write(rules_target, _canonical(item.rules) + "\n")
            written.append(rules_target)
        else:
            rules_target.unlink(missing_ok=True)  # the CRD no longer has rules
    yamlio.atomic_write(index_path, json.dumps(dict(sorted(index.items())), indent=2) + "\n")
    written.append(index_path)
    return written


def _read_index(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"Cannot read the schema index {path}: {exc}.") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise UserError(f"The schema index {path} is not a mapping of names to paths.")
    return {str(k): v for k, v in data.items()}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m gitops_ml.crdschema SRC_DIR OUT_DIR``: regenerate a schema bundle."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m gitops_ml.crdschema SRC_DIR OUT_DIR", file=sys.stderr)
        return 2
    try:
        written = import_crd_files([Path(args[0])], Path(args[1]))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rules = sum(1 for p in written if p.name.endswith(RULES_SUFFIX))
    schemas = len(written) - 1 - rules
    print(f"wrote {schemas} schemas, {rules} CEL rule files and {INDEX_NAME} to {args[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
