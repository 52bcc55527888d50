"""The CEL rules of a CRD (``x-kubernetes-validations``): kept, then judged per object.

``rule_tree`` keeps, from one served version's structural schema, only what
evaluating its rules needs: the path from the root to every schema node that
carries rules, and inside a rule's node everything that changes the value CEL
sees there (``default`` values, which the API server applies before it
validates; ``type: number``, which CEL reads as a double; the formats that
become timestamps, durations or bytes; declared property names that CEL spells
escaped, ``namespace`` -> ``__namespace__``). The tree is plain JSON and is
stored beside the bundled schema (``<kind>_<version>.cel.json``); a schema with
no rules has no such file, so the lint of a kind without rules costs one
dictionary look-up.

``check_object`` evaluates every rule of the tree on one object the way the
API server does on create: defaults applied, ``status`` dropped where the CRD
has the status subresource (the API server ignores it on create), each rule at
its node with ``self`` bound to that node's value, once per element below
``items`` and once per value below ``additionalProperties``, never on an
absent or null node. Rules that use ``oldSelf`` (transition rules) compare with
the object already in the cluster and cannot be judged from a file: they are
counted, not evaluated.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from gitops_ml import cel

RULE_KEYS = ("rule", "message", "messageExpression", "reason", "fieldPath", "optionalOldSelf")
_CEL_FORMATS = frozenset({"date-time", "date", "duration", "byte"})
_TRANSITION = re.compile(r"\boldSelf\b")

# --- keeping the rules ------------------------------------------------------------


def rule_tree(schema: Mapping[str, Any], *, status_subresource: bool) -> dict[str, Any] | None:
    """What CEL evaluation needs from one version's ``openAPIV3Schema``; None without rules."""
    node = _keep(schema, inside=False, top=True, drop_status=status_subresource)
    if node is None:
        return None
    return {"dropStatus": status_subresource, "tree": node}


def _keep(
    node: Mapping[str, Any], *, inside: bool, top: bool = False, drop_status: bool = False
) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    rules = [_rule(r) for r in node.get("x-kubernetes-validations") or () if _rule(r)]
    if rules:
        out["rules"] = rules
    inside = inside or bool(rules)
    props = node.get("properties")
    if isinstance(props, Mapping):
        kept = {}
        for name, sub in props.items():
            if (top and drop_status and name == "status") or not isinstance(sub, Mapping):
                continue
            child = _keep(sub, inside=inside)
            if child is not None:
                kept[name] = child
        if kept:
            out["properties"] = kept
        if inside:
            renamed = {n: e for n in props if (e := cel.escape(n)) != n}
            if renamed:
                out["escape"] = renamed
    for key in ("items", "additionalProperties"):
        sub = node.get(key)
        if isinstance(sub, Mapping):
            child = _keep(sub, inside=inside)
            if child is not None:
                out[key] = child
    if not out and not inside:
        return None
    if "default" in node:
        out["default"] = node["default"]
    if inside:
        if node.get("nullable") is True:
            out["nullable"] = True
        if node.get("type") == "number":
            out["type"] = "number"
        if node.get("format") in _CEL_FORMATS and node.get("type") == "string":
            out["format"] = node["format"]
    return out or None


def is_valid_tree(data: Any) -> bool:
    """Whether ``data`` (read from a ``.cel.json`` file) has the shape ``rule_tree`` writes."""
    return isinstance(data, dict) and _valid_node(data.get("tree"), depth=0)


def _valid_node(node: Any, depth: int) -> bool:
    if not isinstance(node, dict) or depth > 200:
        return False
    rules = node.get("rules", [])
    if not isinstance(rules, list) or not all(_valid_rule(r) for r in rules):
        return False
    props = node.get("properties", {})
    escape = node.get("escape", {})
    if not isinstance(props, dict) or not isinstance(escape, dict):
        return False
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in escape.items()):
        return False
    subs = [*props.values(), *(node[k] for k in ("items", "additionalProperties") if k in node)]
    return all(_valid_node(sub, depth + 1) for sub in subs)


def _valid_rule(rule: Any) -> bool:
    return (
        isinstance(rule, dict)
        and isinstance(rule.get("rule"), str)
        and all(isinstance(rule.get(k, ""), str) for k in RULE_KEYS if k != "optionalOldSelf")
    )


def _rule(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("rule"), str):
        return None
    return {k: raw[k] for k in RULE_KEYS if raw.get(k) not in (None, "", False)}


# --- judging an object --------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """A rule that rejects the object: where, and the API server's words."""

    path: tuple[str | int, ...]
    message: str
    rule: str
    reason: str | None = None


@dataclass
class Outcome:
    """What evaluating a tree on one object found."""

    failures: list[Failure] = field(default_factory=list)
    # rule -> (why it cannot be judged, where its node is in the object)
    uncompiled: dict[str, tuple[str, tuple[str | int, ...]]] = field(default_factory=dict)
    transition: set[str] = field(default_factory=set)
    evaluated: int = 0


def is_transition(rule: Mapping[str, Any]) -> bool:
    return bool(_TRANSITION.search(str(rule.get("rule", ""))))


def transition_rules(tree: Mapping[str, Any]) -> list[str]:
    """The rules of a tree that use ``oldSelf``."""
    found: list[str] = []

    def walk(node: Mapping[str, Any]) -> None:
        found.extend(r["rule"] for r in node.get("rules", ()) if is_transition(r))
        for sub in node.get("properties", {}).values():
            walk(sub)
        for key in ("items", "additionalProperties"):
            if key in node:
                walk(node[key])

    walk(tree["tree"])
    return found


def has_static_rules(tree: Mapping[str, Any]) -> bool:
    """Whether any rule of the tree can be judged from the file (uses no ``oldSelf``)."""
    return any(not _TRANSITION.search(rule) for rule in iter_rules(tree))


def check_object(tree: Mapping[str, Any], obj: Mapping[str, Any]) -> Outcome:
    """Evaluate every rule of ``tree`` on ``obj`` (a whole rendered object)."""
    value = dict(obj)
    if tree.get("dropStatus"):
        value.pop("status", None)
    meta = value.get("metadata")
    if isinstance(meta, dict) and not meta.get("name") and meta.get("generateName"):
        # the API server names the object before it validates it
        value["metadata"] = {**meta, "name": f"{meta['generateName']}x2x5x"}
    outcome = Outcome()
    root = tree["tree"]
    _visit(root, _defaulted(root, value), (), outcome)
    return outcome


def _defaulted(node: Mapping[str, Any], value: Any) -> Any:
    """``value`` with the tree's defaults applied and disallowed nulls pruned.

    Only the containers on the tree's paths are copied; the rest is shared with the
    rendered object, which nothing here changes.
    """
    if isinstance(value, dict):
        props = node.get("properties", {})
        extra = node.get("additionalProperties")
        if not props and extra is None:
            return value
        out = dict(value)
        for name, sub in props.items():
            if name in out and out[name] is None and not sub.get("nullable"):
                del out[name]  # the API server prunes a null it does not allow
            if name not in out and "default" in sub:
                out[name] = copy.deepcopy(sub["default"])
            if name in out:
                out[name] = _defaulted(sub, out[name])
        if extra is not None:
            for key in list(out):
                if key not in props:
                    out[key] = _defaulted(extra, out[key])
        return out
    if isinstance(value, list) and "items" in node:
        return [_defaulted(node["items"], item) for item in value]
    return value


def _visit(
    node: Mapping[str, Any], value: Any, path: tuple[str | int, ...], outcome: Outcome
) -> None:
    if value is None:
        return
    rules = node.get("rules")
    if rules:
        _evaluate(node, rules, value, path, outcome)
    if isinstance(value, dict):
        props = node.get("properties", {})
        for name, sub in props.items():
            if name in value:
                _visit(sub, value[name], (*path, name), outcome)
        extra = node.get("additionalProperties")
        if extra is not None:
            for key, item in value.items():
                if key not in props:
                    _visit(extra, item, (*path, str(key)), outcome)
    elif isinstance(value, list) and "items" in node:
        for index, item in enumerate(value):
            _visit(node["items"], item, (*path, index), outcome)


def _evaluate(
    node: Mapping[str, Any],
    rules: list[dict[str, Any]],
    value: Any,
    path: tuple[str | int, ...],
    outcome: Outcome,
) -> None:
    self_value: Any = None
    for rule in rules:
        expr = rule["rule"]
        if is_transition(rule):
            outcome.transition.add(expr)
            continue
        if expr in outcome.uncompiled:
            continue
        try:
            program = cel.compile_cached(expr, cel.CRD_VARIABLES)
        except cel.CelRuntimeMissing:
            raise
        except cel.CelCompileError as exc:
            outcome.uncompiled[expr] = (str(exc), path)
            continue
        if self_value is None:
            try:
                self_value = cel.to_cel(value, node)
            except cel.CelUnsupported as exc:
                outcome.uncompiled[expr] = (str(exc), path)
                continue
        outcome.evaluated += 1
        try:
            result = cel.evaluate(program, {"self": self_value})
        except cel.CelUnsupported as exc:
            outcome.uncompiled[expr] = (str(exc), path)
            continue
        except cel.CelEvalError as exc:
            outcome.failures.append(_failure(rule, path, f"{_default_message(rule)} ({exc})"))
            continue
        if result is not True:
            if result is not False:
                why = f"the rule gives {type(result).__name__}, not a bool"
                outcome.uncompiled[expr] = (why, path)
                continue
            outcome.failures.append(_failure(rule, path, _message(rule, self_value)))


def _default_message(rule: Mapping[str, Any]) -> str:
    return str(rule.get("message") or f"failed rule: {rule['rule']}")


def _message(rule: Mapping[str, Any], self_value: Any) -> str:
    expr = rule.get("messageExpression")
    if expr:
        # the API server falls back to `message` when the expression fails
        try:
            text = cel.evaluate(cel.compile_cached(expr, cel.CRD_VARIABLES), {"self": self_value})
        except (cel.CelCompileError, cel.CelEvalError, cel.CelUnsupported):
            text = None
        if isinstance(text, str) and text.strip():
            return text.strip()
    return _default_message(rule)


def _failure(rule: Mapping[str, Any], path: tuple[str | int, ...], message: str) -> Failure:
    where = (*path, *parse_field_path(str(rule.get("fieldPath") or "")))
    return Failure(where, message, rule["rule"], rule.get("reason"))


_FIELD_STEP = re.compile(r"\.([A-Za-z0-9_-]+)|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[(\d+)\]")


def parse_field_path(text: str) -> tuple[str | int, ...]:
    """``.spec.items['a b'][0]`` -> ``("spec", "items", "a b", 0)``; unreadable -> ()."""
    out: list[str | int] = []
    pos = 0
    while pos < len(text):
        match = _FIELD_STEP.match(text, pos)
        if match is None:
            return ()
        name, quoted, index = match.groups()
        out.append(int(index) if index is not None else name if name is not None else quoted)
        pos = match.end()
    return tuple(out)


def iter_rules(tree: Mapping[str, Any]) -> Iterator[str]:
    """Every rule expression of a tree, in schema order."""

    def walk(node: Mapping[str, Any]) -> Iterator[str]:
        yield from (r["rule"] for r in node.get("rules", ()))
        for sub in node.get("properties", {}).values():
            yield from walk(sub)
        for key in ("items", "additionalProperties"):
            if key in node:
                yield from walk(node[key])

    yield from walk(tree["tree"])
