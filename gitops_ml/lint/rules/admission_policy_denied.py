"""admission-policy-denied: an object that the repository's own ValidatingAdmissionPolicy rejects.

## What it does
Evaluates every `ValidatingAdmissionPolicy` and its
`ValidatingAdmissionPolicyBinding`s (admissionregistration.k8s.io/v1) on
every object the repository renders, the way the API server does when the
manifest is applied (CREATE or UPDATE). The policies come from any overlay or
plain manifest of the repository and from the files listed under `policies:`
in `gitops-ml.yaml`. A policy or binding rendered in an environment applies to
that environment's objects; one with no environment (a plain manifest, a
`policies:` file) applies to all.

Matching: the policy's `matchConstraints` and the binding's `matchResources`
(`resourceRules` and `excludeResourceRules` by group, version, resource and
operation; a kind is its resource by the `names.plural` of a CRD the
repository renders, otherwise by the API server's guess, `InferenceService` →
`inferenceservices`), `objectSelector` on the object's labels,
`namespaceSelector` on the labels of the Namespace objects the repository
renders (a namespace it does not render is known only by its
`kubernetes.io/metadata.name` label; a selector that cannot be decided does
not match), then `matchConditions`. The `validations` see `object`,
`oldObject` (null), `request`, `namespaceObject`, `variables` and `params`
(the object the binding's `paramRef` names, of the policy's `paramKind`; a
binding whose parameter the repository does not render is skipped, with one
info finding). `auditAnnotations` are ignored.

The binding's `validationActions` decide the severity: `Deny` → error, `Warn`
→ warning, `Audit` → info. The finding names the policy and the binding and
points at the object, or at the field when the expression names exactly one
(`object.spec.predictor.minReplicas`). A policy whose expressions do not
compile, or use a CEL function gitops-ml does not implement, is reported once
as info and not evaluated.

## Why is this bad?
The policy is the team's own rule, and the cluster enforces it: a manifest
that breaks it is refused at sync time (Deny), after the pull request was
merged. Checking it in the pull request moves the refusal to where the
change can still be fixed.

## Example
```yaml
# policies/min-replicas.yaml, listed under `policies:` in gitops-ml.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: prod-min-replicas
spec:
  matchConstraints:
    resourceRules:
      - apiGroups: [serving.kserve.io]
        apiVersions: ["*"]
        operations: [CREATE, UPDATE]
        resources: [inferenceservices]
  validations:
    - expression: "object.spec.predictor.?minReplicas.orValue(1) >= 2"
      message: every prod InferenceService sets minReplicas >= 2
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: prod-min-replicas
spec:
  policyName: prod-min-replicas
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: prod
---
# overlays/prod: an InferenceService in namespace prod
spec:
  predictor:
    minReplicas: 1
```

## Use instead
```yaml
spec:
  predictor:
    minReplicas: 2
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml import admission
from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

_SEVERITY = {"Deny": Severity.ERROR, "Warn": Severity.WARNING, "Audit": Severity.INFO}
_KINDS = (admission.POLICY_KIND, admission.BINDING_KIND)


def check(ctx: LintContext, _subject: Any, options: Mapping[str, Any]) -> Iterator[Violation]:
    # fast path: most repositories have no policy at all
    rendered = [o for o in ctx.objects() if o.kind in _KINDS and "__document__" not in o.data]
    if not rendered and not ctx.policies:
        return
    from_config = [
        o for o in ctx.policies if not any(_same(o, r) for r in rendered)
    ]  # a policies: file that is also linted as a plain manifest
    sources = [_source(o) for o in (*rendered, *from_config)]
    sets = admission.policy_sets(sources)
    if not sets:
        return
    world = admission.World.of(
        [_source(o) for o in (*ctx.objects(), *from_config) if "__document__" not in o.data]
    )
    usable = []
    for pset in sets:
        why = admission.compile_errors(pset)
        if why is None:
            usable.append(pset)
        else:
            yield _info(pset.policy.handle, f"{_policy(pset)} is not checked: {why}")
    unchecked: set[str] = set()
    unbound: set[int] = set()
    for obj in ctx.objects():
        if "__document__" in obj.data or not ctx.config.rule(RULE.id, obj.environment).enabled:
            continue
        env = ctx.environment(obj.environment)
        target = admission.target_of(
            obj.data, obj.environment, world, env.namespace if env else None
        )
        for pset in usable:
            if pset.name in unchecked:
                continue
            for binding in pset.bindings:
                if not admission.applies_in(
                    (pset.policy.environment, binding.environment), obj.environment
                ):
                    continue
                verdict = admission.judge(pset, binding, target, world)
                if verdict is None:
                    continue
                if verdict.unchecked is not None:
                    unchecked.add(pset.name)
                    yield _info(
                        pset.policy.handle, f"{_policy(pset)} is not checked: {verdict.unchecked}"
                    )
                    break
                if verdict.missing_params is not None:
                    if id(binding) not in unbound:
                        unbound.add(id(binding))
                        yield _info(
                            binding.handle,
                            f"binding '{_name(binding)}' of {_policy(pset)} is not checked: "
                            f"{verdict.missing_params}",
                        )
                    continue
                yield from _denials(obj, pset, binding, verdict)


def _denials(
    obj: RenderedObject, pset: admission.PolicySet, binding: admission.Source, verdict: Any
) -> Iterator[Violation]:
    for denial in verdict.denials:
        levels = [_SEVERITY[a] for a in denial.actions if a in _SEVERITY]
        if not levels:
            continue
        severity = max(levels)
        verb = "denies" if severity is Severity.ERROR else "warns"
        reason = f" ({denial.reason})" if denial.reason and denial.reason != "Invalid" else ""
        yield Violation(
            message=(
                f"ValidatingAdmissionPolicy '{pset.name}' with binding '{_name(binding)}' "
                f"{verb}: {denial.message}{reason}"
            ),
            obj=obj,
            path=admission.field_of(denial.expression, obj.data),
            severity=severity,
        )


def _info(handle: RenderedObject, message: str) -> Violation:
    return Violation(message=message, obj=handle, severity=Severity.INFO)


def _policy(pset: admission.PolicySet) -> str:
    return f"ValidatingAdmissionPolicy '{pset.name}'"


def _name(src: admission.Source) -> str:
    meta = src.data.get("metadata")
    return str(meta.get("name") or "") if isinstance(meta, dict) else ""


def _source(obj: RenderedObject) -> admission.Source:
    return admission.Source(obj.data, obj.environment, obj)


def _same(a: RenderedObject, b: RenderedObject) -> bool:
    return a.overlay is None and b.overlay is None and (a.origin, a.index) == (b.origin, b.index)


RULE = Rule(
    id="admission-policy-denied",
    scope=Scope.REPOSITORY,
    severity=Severity.ERROR,
    summary="an object breaks a ValidatingAdmissionPolicy of the repository",
    remediation=(
        "Change the object so the policy's validation holds, or the policy or its binding if "
        "the rule is wrong; the message quotes the policy."
    ),
    check=check,
    doc=__doc__ or "",
)
