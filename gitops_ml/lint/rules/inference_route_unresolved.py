"""inference-route-unresolved: LLM inference routing that points at nothing the repository renders.

## What it does
Follows the references of the Gateway API Inference Extension and of KServe's
LLMInferenceService within one environment (and namespace):

* an `InferencePool` (`inference.networking.k8s.io/v1`): its
  `selector.matchLabels` match the pod template labels of some Deployment,
  StatefulSet or LeaderWorkerSet rendered in its namespace, and its
  `targetPorts` are ports a matched container declares; checked when the
  pool's namespace renders such a workload and no KServe service (whose pods
  the controller creates) that could be the target. Its `endpointPickerRef`
  (kind `Service`) names a Service rendered in its namespace, checked when
  the namespace renders any Service;
* an `HTTPRoute` `backendRef` of group `inference.networking.k8s.io`, kind
  `InferencePool`, names a pool rendered in the route's namespace (or the
  ref's `namespace`), or one an LLMInferenceService creates
  (`<name>-inference-pool`); checked when the environment renders any
  InferencePool or LLMInferenceService;
* an LLMInferenceService's `baseRefs` name LLMInferenceServiceConfig objects
  rendered in its namespace or, as KServe falls back to its own namespace for
  shared presets, in any namespace; checked when the environment renders any
  LLMInferenceServiceConfig. Its `router.scheduler.pool.ref` names an
  InferencePool in its namespace (checked when any pool is rendered).

Only whole repository runs are judged, not the file subset a pre-commit run
lints.

## Why is this bad?
A route or pool that resolves to nothing fails at request time, not at sync
time: Argo CD or Flux reports the objects healthy while every completion
request returns 500 or "no healthy upstream", and an LLM server pays for its
GPUs without receiving traffic.

## Example
```yaml
kind: InferencePool
spec:
  selector: {matchLabels: {app: llama-3-8b}}   # the Deployment's pods are app: llama3-8b
```

## Use instead
```yaml
kind: InferencePool
spec:
  selector: {matchLabels: {app: llama3-8b}}
```
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import JsonPath, Rule, Scope, Violation
from gitops_ml.lint.workloads import as_dict, as_list

POOL_GROUP = "inference.networking.k8s.io"
_POD_OWNERS = frozenset({"Deployment", "StatefulSet", "LeaderWorkerSet"})
_GENERATED_PODS = frozenset({"LLMInferenceService", "InferenceService"})


def _templates(obj: RenderedObject) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(pod template labels, pod spec) of a workload."""
    spec = obj.spec
    if obj.kind == "LeaderWorkerSet":
        lwt = as_dict(spec.get("leaderWorkerTemplate"))
        templates = [as_dict(lwt.get("leaderTemplate")), as_dict(lwt.get("workerTemplate"))]
    else:
        templates = [as_dict(spec.get("template"))]
    for template in templates:
        if template:
            labels = as_dict(as_dict(template.get("metadata")).get("labels"))
            yield labels, as_dict(template.get("spec"))


def _ports(pod: dict[str, Any]) -> set[int]:
    return {
        port["containerPort"]
        for c in as_list(pod.get("containers"))
        for port in as_list(as_dict(c).get("ports"))
        if isinstance(port, dict) and isinstance(port.get("containerPort"), int)
    }


class _Scope:
    def __init__(self, objects: list[RenderedObject]) -> None:
        self.objects = objects
        self.by_kind: dict[str, list[RenderedObject]] = defaultdict(list)
        for obj in objects:
            self.by_kind[obj.kind].append(obj)

    def named(self, kind: str, namespace: str | None, name: str) -> bool:
        return any(
            o.key.name == name and (namespace is None or (o.key.namespace or "") == namespace)
            for o in self.by_kind.get(kind, ())
        )

    def in_namespace(self, kinds: frozenset[str], namespace: str) -> list[RenderedObject]:
        return [
            o
            for kind in kinds
            for o in self.by_kind.get(kind, ())
            if (o.key.namespace or "") == namespace
        ]


def _pool(pool: RenderedObject, scope: _Scope) -> Iterator[Violation]:
    namespace = pool.key.namespace or ""
    spec = pool.spec
    selector = as_dict(as_dict(spec.get("selector")).get("matchLabels"))
    owners = scope.in_namespace(_POD_OWNERS, namespace)
    if selector and owners and not scope.in_namespace(_GENERATED_PODS, namespace):
        matched = [
            pod
            for owner in owners
            for labels, pod in _templates(owner)
            if all(labels.get(k) == v for k, v in selector.items())
        ]
        if not matched:
            wanted = ", ".join(f"{k}={v}" for k, v in selector.items())
            yield Violation(
                message=f"InferencePool '{pool.key.name}' selects pods with {wanted}, but no "
                "workload rendered in its namespace has those pod labels",
                obj=pool,
                path=("spec", "selector"),
            )
        else:
            declared = set().union(*(_ports(pod) for pod in matched))
            targets = [as_dict(p).get("number") for p in as_list(spec.get("targetPorts"))]
            if declared and targets and not any(t in declared for t in targets):
                yield Violation(
                    message=f"InferencePool '{pool.key.name}' sends traffic to port(s) "
                    f"{', '.join(map(str, targets))}, which its pods do not declare "
                    f"({', '.join(map(str, sorted(declared)))})",
                    obj=pool,
                    path=("spec", "targetPorts"),
                )
    picker = as_dict(spec.get("endpointPickerRef"))
    name = picker.get("name")
    if (
        isinstance(name, str)
        and picker.get("kind", "Service") == "Service"
        and picker.get("group", "") in ("", "core")
        and scope.in_namespace(frozenset({"Service"}), namespace)
        and not scope.named("Service", namespace, name)
    ):
        yield Violation(
            message=f"InferencePool '{pool.key.name}' uses endpoint picker Service '{name}', "
            "which is not rendered in its namespace",
            obj=pool,
            path=("spec", "endpointPickerRef", "name"),
        )


def _route(route: RenderedObject, scope: _Scope) -> Iterator[Violation]:
    if not (scope.by_kind.get("InferencePool") or scope.by_kind.get("LLMInferenceService")):
        return
    generated = {
        f"{o.key.name}-inference-pool" for o in scope.by_kind.get("LLMInferenceService", ())
    }
    for i, rule in enumerate(as_list(route.spec.get("rules"))):
        for j, ref in enumerate(as_list(as_dict(rule).get("backendRefs"))):
            ref = as_dict(ref)
            if ref.get("group") != POOL_GROUP or ref.get("kind") != "InferencePool":
                continue
            name = str(ref.get("name") or "")
            namespace = str(ref.get("namespace") or route.key.namespace or "")
            if name in generated or scope.named("InferencePool", namespace, name):
                continue
            path: JsonPath = ("spec", "rules", i, "backendRefs", j, "name")
            yield Violation(
                message=f"HTTPRoute '{route.key.name}' routes to InferencePool '{name}', which "
                "is not rendered in its namespace",
                obj=route,
                path=path,
            )


def _llm_service(svc: RenderedObject, scope: _Scope) -> Iterator[Violation]:
    namespace = svc.key.namespace or ""
    if scope.by_kind.get("LLMInferenceServiceConfig"):
        for i, ref in enumerate(as_list(svc.spec.get("baseRefs"))):
            name = as_dict(ref).get("name")
            if isinstance(name, str) and not scope.named("LLMInferenceServiceConfig", None, name):
                yield Violation(
                    message=f"LLMInferenceService '{svc.key.name}' builds on "
                    f"LLMInferenceServiceConfig '{name}', which is not rendered",
                    obj=svc,
                    path=("spec", "baseRefs", i, "name"),
                )
    pool_ref = as_dict(
        as_dict(as_dict(as_dict(svc.spec.get("router")).get("scheduler")).get("pool")).get("ref")
    )
    name = pool_ref.get("name")
    if (
        isinstance(name, str)
        and name
        and scope.by_kind.get("InferencePool")
        and not scope.named("InferencePool", namespace, name)
    ):
        yield Violation(
            message=f"LLMInferenceService '{svc.key.name}' schedules through InferencePool "
            f"'{name}', which is not rendered in its namespace",
            obj=svc,
            path=("spec", "router", "scheduler", "pool", "ref", "name"),
        )


def check(
    ctx: LintContext, subject: LintContext, options: Mapping[str, Any]
) -> Iterator[Violation]:
    if not ctx.full_run:
        return
    by_env = ctx.objects_by_environment()
    for objects in by_env.values():
        scope = _Scope(objects)
        for pool in scope.by_kind.get("InferencePool", ()):
            if pool.key.api_version == f"{POOL_GROUP}/v1":
                yield from _pool(pool, scope)
        for route in scope.by_kind.get("HTTPRoute", ()):
            yield from _route(route, scope)
        for svc in scope.by_kind.get("LLMInferenceService", ()):
            yield from _llm_service(svc, scope)


RULE = Rule(
    id="inference-route-unresolved",
    scope=Scope.REPOSITORY,
    severity=Severity.WARNING,
    summary="an InferencePool, HTTPRoute or LLMInferenceService reference resolves to nothing rendered",
    remediation="Make the selector, port, Service, pool or config name match an object the "
    "repository renders in that namespace.",
    check=check,
    doc=__doc__ or "",
)
