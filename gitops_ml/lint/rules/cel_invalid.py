"""cel-invalid: an object that a CEL rule of its CRD rejects.

## What it does
Evaluates the `x-kubernetes-validations` rules of the CRD of every custom
resource the repository renders (the CRDs bundled with gitops-ml, folders
under `crds:` in the config, and CRDs the repository itself renders), the way
the API server does when the object is created:

* each rule at the schema node it belongs to, `self` bound to that node's
  value; below `items` once per list element, below `additionalProperties`
  once per map value; never on an absent or null field;
* CRD `default` values are applied first, `status` is dropped where the CRD
  has the status subresource, and a `generateName` stands in for the name;
* the finding says the rule's `message` (or the value of its
  `messageExpression`, or `failed rule: <rule>`) and its `reason`, at the
  line of the field (the rule's `fieldPath` when it names one);
* a rule that fails with an error (a missing key without a `has()` guard)
  is a rejection, as in the API server.

Not judged: an object that patches one the cluster has (metadata only, or
applied server-side by Argo CD: the rules see the merged object), and
transition rules (any rule that uses `oldSelf`) compare with
the object already in the cluster; they are counted in the summary
(`celTransitionRulesSkipped`). A rule gitops-ml cannot compile (a library
it lacks: `format`, `semver`, two-variable comprehensions), or that needs
what it does not implement (a regular expression Python reads differently
from RE2, a `date-time` field), is reported once per kind as info naming the
CRD and the rule, never taken as passed or failed; without the CEL runtime
package (cel-expr-python), one info says so. The CEL library
implemented is listed in the README ("CEL rules of CRDs").

## Why is this bad?
The API server refuses the object and the sync stops half-way: a TrainJob
named `Llama-3` (not a DNS label) or managed by an unknown controller, an
LLMInferenceService with both `replicas` and `scaling`, or an HTTPRoute whose
filters repeat a type never reaches the cluster, while the rest of the overlay
does: the model server is rolled out with no route, or the training run never
starts. Schema
checks cannot see these: the rules live in CEL, not in the JSON schema.

## Example
```yaml
apiVersion: trainer.kubeflow.org/v1alpha1
kind: TrainJob
metadata:
  name: llama
spec:
  runtimeRef:
    name: torch-distributed
  managedBy: example.com/my-controller   # the CRD allows two controllers
```

## Use instead
```yaml
spec:
  runtimeRef:
    name: torch-distributed
  managedBy: kueue.x-k8s.io/multikueue   # or leave it out: the default
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.lint.rules.schema_invalid import is_partial


def _where(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out


def check(ctx: LintContext, _subject: Any, options: Mapping[str, Any]) -> Iterator[Violation]:
    from gitops_ml import cel, crdrules

    reported: set[tuple[str, str, str]] = set()
    static: dict[tuple[str, str], bool] = {}  # kinds whose CRD has rules other than oldSelf ones
    for obj in ctx.objects():
        if "__document__" in obj.data or not ctx.config.rule(RULE.id, obj.environment).enabled:
            continue
        kind = (obj.key.api_version, obj.kind)
        tree = ctx.schemas.cel_rules(*kind)
        if tree is None:
            continue
        if kind not in static:
            static[kind] = crdrules.has_static_rules(tree)
        if not static[kind] or is_partial(obj):
            continue  # a patch of an object in the cluster: the rules see the merged object
        try:
            outcome = crdrules.check_object(tree, obj.data)
        except cel.CelRuntimeMissing as exc:
            yield Violation(
                message=f"CEL rules of CRDs are not checked: {exc}", obj=obj, severity=Severity.INFO
            )
            return
        for failure in outcome.failures:
            reason = f" ({failure.reason})" if failure.reason else ""
            where = f"{_where(failure.path)}: " if failure.path else ""
            yield Violation(
                message=f"{where}{failure.message}{reason}",
                path=failure.path,
                obj=obj,
            )
        for rule, (why, path) in outcome.uncompiled.items():
            key = (obj.key.api_version, obj.kind, rule)
            if key not in reported:
                reported.add(key)
                yield _not_checked(obj, rule, why, path)


def _not_checked(
    obj: RenderedObject, rule: str, why: str, path: tuple[str | int, ...]
) -> Violation:
    shown = rule if len(rule) <= 160 else rule[:157] + "..."
    return Violation(
        message=(
            f"a CEL rule of the {obj.kind} CRD ({obj.key.api_version}) is not checked: "
            f"{why}; rule: {shown}"
        ),
        obj=obj,
        path=path,
        severity=Severity.INFO,
    )


RULE = Rule(
    id="cel-invalid",
    scope=Scope.REPOSITORY,
    severity=Severity.ERROR,
    summary="a custom resource breaks a CEL validation rule of its CRD",
    remediation="Change the field so the CRD's rule holds; the message quotes the CRD's own words.",
    check=check,
    doc=__doc__ or "",
)
