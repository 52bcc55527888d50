"""ValidatingAdmissionPolicies judged offline, as the API server would on apply.

``policy_sets`` pairs each ``ValidatingAdmissionPolicy`` with its
``ValidatingAdmissionPolicyBinding`` objects (admissionregistration.k8s.io/v1);
``judge`` evaluates one pair on one object and returns what the API server
would say. Matching follows ``k8s.io/apiserver/pkg/admission/plugin/policy/matching``:

* ``resourceRules`` / ``excludeResourceRules``: apiGroups, apiVersions,
  resources (``*``, ``*/*``, ``name``; a subresource never matches a whole
  object), operations (applying a manifest is CREATE or UPDATE), resourceNames,
  scope. A kind becomes its resource through the ``names.plural`` of a CRD the
  repository renders, otherwise by ``meta.UnsafeGuessKindToResource``
  (k8s.io/apimachinery/pkg/api/meta/restmapper.go).
* ``namespaceSelector`` against the labels of the Namespace objects the
  repository renders; a namespace it does not render is known only by its
  automatic ``kubernetes.io/metadata.name`` label, and a selector that this
  cannot decide does not match (precision first). ``objectSelector`` against
  the object's labels. The binding's ``matchResources`` narrows the policy's
  ``matchConstraints``.
* ``matchConditions``, ``variables``, ``validations`` in CEL (``gitops_ml.cel``)
  with ``object``, ``oldObject`` (null: the object is created), ``request``,
  ``params`` and ``namespaceObject``. ``auditAnnotations`` are ignored.

An expression that does not compile, or uses what ``gitops_ml.cel`` does not
implement, makes the pair ``unchecked``: reported once, never taken as passed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from gitops_ml import cel

API_VERSION = "admissionregistration.k8s.io/v1"
POLICY_KIND = "ValidatingAdmissionPolicy"
BINDING_KIND = "ValidatingAdmissionPolicyBinding"
VARIABLES = ("namespaceObject", "object", "oldObject", "params", "request", "variables")
NAME_LABEL = "kubernetes.io/metadata.name"
OPERATIONS = ("CREATE", "UPDATE")  # what applying a manifest is

# kinds the API server keeps at cluster scope (core and the CRD kinds gitops-ml bundles
# that are cluster-scoped); any other object is namespaced when it names a namespace
CLUSTER_KINDS = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "StorageClass",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "APIService",
        "ClusterQueue",
        "ResourceFlavor",
        "ClusterServingRuntime",
        "ClusterTrainingRuntime",
        "ClusterStorageContainer",
        "GatewayClass",
    }
)


def guess_resource(kind: str) -> str:
    """``meta.UnsafeGuessKindToResource``: the plural resource name the API serves a kind as."""
    singular = kind.lower()
    if not singular or singular.endswith("endpoints"):
        return singular
    if singular.endswith("s"):
        return singular + "es"
    if singular.endswith("y"):
        return singular[:-1] + "ies"
    return singular + "s"


def group_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


# --- the policies of a repository --------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A policy, binding, parameter or namespace as found: data plus its environment."""

    data: Mapping[str, Any]
    environment: str | None
    handle: Any = None  # what the caller points a finding at (a RenderedObject)


@dataclass
class PolicySet:
    """One policy with the bindings that name it."""

    policy: Source
    bindings: list[Source] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(_meta(self.policy.data).get("name") or "")


def is_policy(data: Mapping[str, Any]) -> bool:
    return data.get("apiVersion") == API_VERSION and data.get("kind") == POLICY_KIND


def is_binding(data: Mapping[str, Any]) -> bool:
    return data.get("apiVersion") == API_VERSION and data.get("kind") == BINDING_KIND


def policy_sets(objects: Iterable[Source]) -> list[PolicySet]:
    """Every policy and its bindings, kept apart per environment they are rendered in."""
    policies: list[Source] = []
    bindings: list[Source] = []
    seen: set[tuple[str, str | None, str]] = set()
    for src in objects:
        kind = "p" if is_policy(src.data) else "b" if is_binding(src.data) else ""
        if not kind:
            continue
        key = (kind, src.environment, repr(sorted(_flat(src.data))))
        if key in seen:  # a base shared by two overlays of one environment
            continue
        seen.add(key)
        (policies if kind == "p" else bindings).append(src)
    out = []
    for policy in policies:
        name = _meta(policy.data).get("name")
        found = PolicySet(policy)
        for binding in bindings:
            spec = _dict(binding.data.get("spec"))
            if spec.get("policyName") == name and _envs_meet(
                policy.environment, binding.environment
            ):
                found.bindings.append(binding)
        if found.bindings:
            out.append(found)
    return out


def _flat(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield from _flat(v, f"{prefix}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _flat(v, f"{prefix}[{i}]")
    else:
        yield prefix, repr(value)


def _envs_meet(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def applies_in(environments: Iterable[str | None], env: str | None) -> bool:
    """Whether sources rendered in ``environments`` apply to an object of ``env``."""
    return all(e is None or e == env for e in environments)


# --- what the repository says about namespaces and kinds -------------------------------


@dataclass
class World:
    """What matching needs from the rest of the render."""

    plurals: dict[tuple[str, str], str] = field(default_factory=dict)  # (group, kind)
    namespaces: dict[tuple[str | None, str], Mapping[str, Any]] = field(default_factory=dict)
    objects: list[Source] = field(default_factory=list)  # candidates for params

    @classmethod
    def of(cls, objects: Iterable[Source]) -> World:
        world = cls()
        for src in objects:
            world.objects.append(src)
            data = src.data
            if data.get("kind") == "CustomResourceDefinition":
                spec = _dict(data.get("spec"))
                names = _dict(spec.get("names"))
                if isinstance(spec.get("group"), str) and names.get("kind") and names.get("plural"):
                    world.plurals[(spec["group"], str(names["kind"]))] = str(names["plural"])
            elif data.get("kind") == "Namespace" and data.get("apiVersion") == "v1":
                name = _meta(data).get("name")
                if isinstance(name, str):
                    world.namespaces[(src.environment, name)] = data
        return world

    def resource(self, api_version: str, kind: str) -> str:
        group, _ = group_version(api_version)
        return self.plurals.get((group, kind)) or guess_resource(kind)

    def namespace(self, env: str | None, name: str) -> Mapping[str, Any] | None:
        """The Namespace object rendered in ``env`` (or in no environment), if any."""
        found = self.namespaces.get((env, name)) or self.namespaces.get((None, name))
        return found


# --- label selectors (three-valued: True, False, None = cannot say) -------------------


def selector_matches(
    selector: Any, labels: Mapping[str, Any], *, known_keys: frozenset[str] | None = None
) -> bool | None:
    """``metav1.LabelSelector`` on labels; with ``known_keys``, other keys are unknown."""
    if selector is None:
        return True
    if not isinstance(selector, Mapping):
        return None
    results: list[bool | None] = []
    for key, value in _dict(selector.get("matchLabels")).items():
        results.append(_requirement(str(key), "In", [value], labels, known_keys))
    for expr in selector.get("matchExpressions") or ():
        if not isinstance(expr, Mapping) or not isinstance(expr.get("key"), str):
            return None
        values = expr.get("values") or []
        results.append(
            _requirement(expr["key"], str(expr.get("operator")), list(values), labels, known_keys)
        )
    if any(r is False for r in results):
        return False
    if any(r is None for r in results):
        return None
    return True


def _requirement(
    key: str,
    operator: str,
    values: list[Any],
    labels: Mapping[str, Any],
    known_keys: frozenset[str] | None,
) -> bool | None:
    if known_keys is not None and key not in known_keys:
        return None
    present = key in labels
    value = str(labels.get(key)) if present else None
    wanted = {str(v) for v in values}
    if operator == "In":
        return present and value in wanted
    if operator == "NotIn":
        return not present or value not in wanted
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    return None


# --- resource rules -------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The object under admission, as a request names it."""

    data: Mapping[str, Any]
    group: str
    version: str
    kind: str
    resource: str
    name: str
    namespace: str | None
    environment: str | None

    @property
    def cluster_scoped(self) -> bool | None:
        if self.kind in CLUSTER_KINDS:
            return True
        if self.namespace:
            return False
        return None  # a namespaced kind written without a namespace, or an unknown kind


def _rule_matches(rule: Any, target: Target, operation: str) -> bool | None:
    if not isinstance(rule, Mapping):
        return None
    ops = rule.get("operations") or []
    if "*" not in ops and operation not in ops:
        return False
    groups = rule.get("apiGroups") or []
    if "*" not in groups and target.group not in groups:
        return False
    versions = rule.get("apiVersions") or []
    if "*" not in versions and target.version not in versions:
        return False
    resources = rule.get("resources") or []
    if not any(_resource_matches(str(r), target.resource) for r in resources):
        return False
    names = rule.get("resourceNames") or []
    if names and target.name not in names:
        return False
    scope = rule.get("scope") or "*"
    if scope != "*":
        cluster = target.cluster_scoped
        if cluster is None:
            return None
        if cluster != (scope == "Cluster"):
            return False
    return True


def _resource_matches(entry: str, resource: str) -> bool:
    res, _, sub = entry.partition("/")
    return (res == "*" or res == resource) and (sub in ("", "*"))


def _operation(rules: Any, target: Target) -> tuple[bool | None, str]:
    """Whether any rule matches on CREATE or UPDATE, and the operation it matched."""
    undecided = False
    for operation in OPERATIONS:
        for rule in rules or ():
            outcome = _rule_matches(rule, target, operation)
            if outcome:
                return True, operation
            undecided = undecided or outcome is None
    return (None if undecided else False), ""


def _constraints_match(
    constraints: Any, target: Target, world: World, *, require_rules: bool
) -> tuple[bool | None, str]:
    """``matchConstraints`` or a binding's ``matchResources`` on the target."""
    if constraints is None:
        return (False, "") if require_rules else (True, "CREATE")
    if not isinstance(constraints, Mapping):
        return None, ""
    excluded, _ = _operation(constraints.get("excludeResourceRules"), target)
    if excluded is not False:
        return (False if excluded else None), ""
    rules = constraints.get("resourceRules")
    if rules:
        matched, operation = _operation(rules, target)
        if not matched:
            return matched, ""
    elif require_rules:
        return False, ""
    else:
        operation = "CREATE"
    objects = selector_matches(constraints.get("objectSelector"), _labels(target.data))
    if not objects:
        return objects, ""
    namespaces = _namespace_selected(constraints.get("namespaceSelector"), target, world)
    if not namespaces:
        return namespaces, ""
    return True, operation


def _namespace_selected(selector: Any, target: Target, world: World) -> bool | None:
    if selector is None or selector == {}:
        return True
    if target.kind == "Namespace" and target.group == "":
        labels = {**_labels(target.data), NAME_LABEL: target.name}
        return selector_matches(selector, labels)
    cluster = target.cluster_scoped
    if cluster:
        return True  # a cluster-scoped object is never skipped by a namespaceSelector
    if not target.namespace:
        return None
    rendered = world.namespace(target.environment, target.namespace)
    if rendered is not None:
        return selector_matches(selector, {**_labels(rendered), NAME_LABEL: target.namespace})
    return selector_matches(
        selector, {NAME_LABEL: target.namespace}, known_keys=frozenset({NAME_LABEL})
    )


# --- judging -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Denial:
    """One validation that fails on the object."""

    message: str
    expression: str
    reason: str
    actions: tuple[str, ...]
    error: bool = False  # the expression failed: a denial only under failurePolicy Fail


@dataclass
class Verdict:
    denials: list[Denial] = field(default_factory=list)
    unchecked: str | None = None  # why the pair could not be judged (compile, unsupported)
    missing_params: str | None = None  # the binding's paramRef names nothing rendered


def target_of(
    data: Mapping[str, Any], environment: str | None, world: World, namespace: str | None
) -> Target:
    group, version = group_version(str(data.get("apiVersion") or ""))
    kind = str(data.get("kind") or "")
    meta = _meta(data)
    ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) else namespace
    if kind in CLUSTER_KINDS and not meta.get("namespace"):
        ns = None
    name = meta.get("name") or meta.get("generateName") or ""
    return Target(
        data=data,
        group=group,
        version=version,
        kind=kind,
        resource=world.resource(str(data.get("apiVersion") or ""), kind),
        name=str(name),
        namespace=ns or None,
        environment=environment,
    )


def judge(pset: PolicySet, binding: Source, target: Target, world: World) -> Verdict | None:
    """What the API server says about ``target`` under one policy and one binding.

    None when the pair does not apply to the object (or cannot be said to).
    """
    policy = _dict(pset.policy.data.get("spec"))
    bspec = _dict(binding.data.get("spec"))
    matched, operation = _constraints_match(
        policy.get("matchConstraints"), target, world, require_rules=True
    )
    if not matched:
        return None
    if bspec.get("matchResources") is not None:
        narrowed, _ = _constraints_match(
            bspec.get("matchResources"), target, world, require_rules=False
        )
        if not narrowed:
            return None
    verdict = Verdict()
    params, why = _params(policy, bspec, target, world, binding.environment)
    if why:
        verdict.missing_params = why
        return verdict
    namespace_object: Any = None
    namespace_known = True
    if target.namespace and not target.cluster_scoped:
        rendered = world.namespace(target.environment, target.namespace)
        namespace_known = rendered is not None
        namespace_object = cel.to_cel(dict(rendered), None) if rendered else None
    activation: dict[str, Any] = {
        "object": cel.to_cel(dict(target.data), None),
        "oldObject": None,
        "params": params,
        "namespaceObject": namespace_object,
        "request": _request(target, operation),
        "variables": {},
    }
    failure_fails = policy.get("failurePolicy", "Fail") != "Ignore"
    actions = tuple(str(a) for a in bspec.get("validationActions") or ())
    try:
        for cond in policy.get("matchConditions") or ():
            expr = str(_dict(cond).get("expression") or "")
            try:
                if _value(expr, activation) is not True:
                    return None
            except cel.CelEvalError:
                return None  # cannot say the object is matched
        for var in policy.get("variables") or ():
            name = str(_dict(var).get("name") or "")
            expr = str(_dict(var).get("expression") or "")
            # a variable that fails is left out: an expression that uses it fails in turn
            with contextlib.suppress(cel.CelEvalError):
                activation["variables"] = {
                    **activation["variables"],
                    name: _value(expr, activation),
                }
        for validation in policy.get("validations") or ():
            denial = _validate(_dict(validation), activation, actions, namespace_known)
            if denial is not None and (failure_fails or not denial.error):
                verdict.denials.append(denial)
    except (cel.CelCompileError, cel.CelUnsupported) as exc:
        verdict.unchecked = str(exc)
        verdict.denials = []
    return verdict


def _validate(
    validation: Mapping[str, Any],
    activation: Mapping[str, Any],
    actions: tuple[str, ...],
    namespace_known: bool,
) -> Denial | None:
    expr = str(validation.get("expression") or "")
    if not namespace_known and "namespaceObject" in expr:
        return None  # a namespace the repository does not render: its labels are unknown
    reason = str(validation.get("reason") or "Invalid")
    try:
        result = _value(expr, activation)
    except cel.CelEvalError as exc:
        return Denial(f"expression '{expr}' resulted in error: {exc}", expr, reason, actions, True)
    if result is True:
        return None
    if result is not False:
        return Denial(
            f"expression '{expr}' did not evaluate to a bool", expr, reason, actions, True
        )
    message = ""
    if validation.get("messageExpression"):
        try:
            shown = _value(str(validation["messageExpression"]), activation)
            message = shown.strip() if isinstance(shown, str) else ""
        except cel.CelEvalError:
            message = ""
    message = message or str(validation.get("message") or "") or f"failed expression: {expr}"
    return Denial(message, expr, reason, actions)


def _value(expr: str, activation: Mapping[str, Any]) -> Any:
    return cel.evaluate(cel.compile_cached(expr, VARIABLES), activation)


def compile_errors(pset: PolicySet) -> str | None:
    """Why some expression of the policy does not compile, if one does not."""
    spec = _dict(pset.policy.data.get("spec"))
    exprs = [
        str(_dict(item).get(key) or "")
        for section, key in (
            ("matchConditions", "expression"),
            ("variables", "expression"),
            ("validations", "expression"),
            ("validations", "messageExpression"),
        )
        for item in spec.get(section) or ()
    ]
    for expr in exprs:
        if not expr:
            continue
        try:
            cel.compile_cached(expr, VARIABLES)
        except cel.CelCompileError as exc:
            return f"{exc} in '{expr}'"
    return None


def _params(
    policy: Mapping[str, Any],
    bspec: Mapping[str, Any],
    target: Target,
    world: World,
    env: str | None,
) -> tuple[Any, str | None]:
    kind = _dict(policy.get("paramKind"))
    ref = bspec.get("paramRef")
    if not kind or ref is None:
        return None, None
    ref = _dict(ref)
    want_api, want_kind = kind.get("apiVersion"), kind.get("kind")
    ns = ref.get("namespace") or target.namespace
    candidates = [
        src
        for src in world.objects
        if src.data.get("apiVersion") == want_api
        and src.data.get("kind") == want_kind
        and applies_in([src.environment, env], target.environment)
    ]
    if ref.get("name"):
        found = [
            s
            for s in candidates
            if _meta(s.data).get("name") == ref["name"]
            and (not _meta(s.data).get("namespace") or _meta(s.data).get("namespace") == ns)
        ]
    elif ref.get("selector") is not None:
        found = [s for s in candidates if selector_matches(ref["selector"], _labels(s.data))]
    else:
        found = []
    if len(found) != 1:
        what = f"{want_kind} {ref.get('name')!r}" if ref.get("name") else f"a {want_kind}"
        return None, f"its paramRef names {what}, which the repository does not render"
    return cel.to_cel(dict(found[0].data), None), None


def _request(target: Target, operation: str) -> dict[str, Any]:
    return {
        "kind": {"group": target.group, "version": target.version, "kind": target.kind},
        "resource": {"group": target.group, "version": target.version, "resource": target.resource},
        "requestKind": {"group": target.group, "version": target.version, "kind": target.kind},
        "requestResource": {
            "group": target.group,
            "version": target.version,
            "resource": target.resource,
        },
        "name": target.name,
        "namespace": target.namespace or "",
        "operation": operation,
        "userInfo": {},
        "dryRun": False,
    }


_FIELD = re.compile(r"\bobject((?:\.\??[A-Za-z_][A-Za-z0-9_]*)+)")


def field_of(expr: str, data: Mapping[str, Any]) -> tuple[str | int, ...]:
    """The field an expression clearly names (one ``object.a.b`` path), as deep as it exists."""
    paths = {m.group(1) for m in _FIELD.finditer(expr)}
    if len(paths) != 1:
        return ()
    parts = [p.lstrip("?") for p in paths.pop().split(".") if p]
    out: list[str | int] = []
    node: Any = data
    for part in parts:
        if not isinstance(node, Mapping) or part not in node:
            break
        out.append(part)
        node = node[part]
    return tuple(out)


def _meta(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return _dict(data.get("metadata"))


def _labels(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return _dict(_meta(data).get("labels"))


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
