"""serving-ha: a production model server that does not survive a node drain.

## What it does
In prod-tier environments, for each overlay:

* a serving Deployment (one with a container port, or selected by a Service
  of the overlay) with fewer than 2 replicas: `spec.replicas` (default 1), or
  the `minReplicas` (default 1) of a HorizontalPodAutoscaler of the overlay
  that targets it;
* a serving Deployment with no PodDisruptionBudget in the same overlay and
  namespace whose selector matches its pod labels;
* a KServe InferenceService whose `spec.predictor.minReplicas` is below 2
  (KServe defaults it to 1; 0 means scale to zero).

## Why is this bad?
A node upgrade or a spot reclaim drains the only replica: the model endpoint
returns 503 until a new pod has pulled a multi-gigabyte image and loaded the
weights, often minutes for an LLM. Without a PodDisruptionBudget, a drain
evicts every replica at once.

## Example
```yaml
kind: Deployment
spec:
  replicas: 1
```

## Use instead
```yaml
kind: Deployment
spec:
  replicas: 2
---
apiVersion: policy/v1
kind: PodDisruptionBudget
spec:
  minAvailable: 1
  selector: {matchLabels: {app: ranker}}
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject, RenderedOverlay
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.model import Severity


def selector_matches(selector: Any, labels: dict[str, Any]) -> bool:
    """A LabelSelector against labels; an empty or missing selector matches nothing here."""
    selector = workloads.as_dict(selector)
    match_labels = workloads.as_dict(selector.get("matchLabels"))
    expressions = selector.get("matchExpressions")
    expressions = expressions if isinstance(expressions, list) else []
    if not match_labels and not expressions:
        return False
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    for e in expressions:
        e = workloads.as_dict(e)
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }.get(str(op), False)
        if not ok:
            return False
    return True


def _pod_labels(obj: RenderedObject) -> dict[str, Any]:
    template = workloads.as_dict(obj.spec.get("template"))
    return workloads.as_dict(workloads.as_dict(template.get("metadata")).get("labels"))


def _serving(obj: RenderedObject, services: list[RenderedObject]) -> bool:
    if any(c.container.get("ports") for c in workloads.containers(obj.data, init=False)):
        return True
    labels = _pod_labels(obj)
    return any(
        s.key.namespace == obj.key.namespace
        and labels
        and selector_matches({"matchLabels": s.spec.get("selector")}, labels)
        for s in services
    )


def _min_replicas(
    obj: RenderedObject, hpas: list[RenderedObject]
) -> tuple[int, tuple[Any, ...], RenderedObject]:
    for hpa in hpas:
        target = workloads.as_dict(hpa.spec.get("scaleTargetRef"))
        if (
            target.get("kind") == obj.kind
            and target.get("name") == obj.name
            and hpa.key.namespace == obj.key.namespace
        ):
            value = hpa.spec.get("minReplicas", 1)
            return (value if isinstance(value, int) else 1), ("spec", "minReplicas"), hpa
    value = obj.spec.get("replicas", 1)
    return (value if isinstance(value, int) else 1), ("spec", "replicas"), obj


def _deployment(
    obj: RenderedObject, by_kind: dict[str, list[RenderedObject]]
) -> Iterator[Violation]:
    if not _serving(obj, by_kind.get("Service", [])):
        return
    count, path, where = _min_replicas(obj, by_kind.get("HorizontalPodAutoscaler", []))
    if count < 2:
        source = "HorizontalPodAutoscaler minReplicas" if where is not obj else "replicas"
        yield Violation(
            message=f"serving Deployment '{obj.name}' runs {count} replica ({source}); "
            f"a node drain takes the model offline",
            obj=where,
            path=path if (where is not obj or "replicas" in obj.spec) else ("spec",),
        )
    labels = _pod_labels(obj)
    pdbs = by_kind.get("PodDisruptionBudget", [])
    if not any(
        p.key.namespace == obj.key.namespace and selector_matches(p.spec.get("selector"), labels)
        for p in pdbs
    ):
        yield Violation(
            message=f"serving Deployment '{obj.name}' has no PodDisruptionBudget "
            "selecting its pods",
            obj=obj,
            path=("metadata", "name"),
        )


def _inference_service(obj: RenderedObject) -> Iterator[Violation]:
    predictor = workloads.as_dict(obj.spec.get("predictor"))
    value = predictor.get("minReplicas", 1)
    count = value if isinstance(value, int) else 1
    if count < 2:
        yield Violation(
            message=f"InferenceService '{obj.name}' predictor minReplicas is {count}"
            f"{' (KServe default)' if 'minReplicas' not in predictor else ''}; "
            f"a node drain takes the model offline",
            obj=obj,
            path=("spec", "predictor", "minReplicas")
            if "minReplicas" in predictor
            else ("spec", "predictor"),
        )


def check(
    ctx: LintContext, overlay: RenderedOverlay, options: Mapping[str, Any]
) -> Iterator[Violation]:
    if ctx.tier(overlay.environment) != "prod":
        return
    by_kind: dict[str, list[RenderedObject]] = {}
    for obj in overlay.objects:
        by_kind.setdefault(obj.kind, []).append(obj)
    for obj in by_kind.get("Deployment", []):
        yield from _deployment(obj, by_kind)
    for obj in by_kind.get("InferenceService", []):
        yield from _inference_service(obj)


RULE = Rule(
    id="serving-ha",
    scope=Scope.OVERLAY,
    severity=Severity.WARNING,
    summary="a production model server has one replica or no PodDisruptionBudget",
    remediation="Run at least 2 replicas (minReplicas: 2) and add a PodDisruptionBudget.",
    check=check,
    doc=__doc__ or "",
)
