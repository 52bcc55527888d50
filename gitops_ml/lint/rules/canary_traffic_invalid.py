"""canary-traffic-invalid: a KServe canaryTrafficPercent out of range or ignored.

## What it does
Checks `canaryTrafficPercent` of the predictor, transformer and explainer of
an InferenceService: a value outside 0..100 is an error; a value on an
InferenceService in raw deployment mode (annotation
`serving.kserve.io/deploymentMode: RawDeployment` or `Standard`) is a warning,
since KServe supports canary rollout only in Serverless (Knative) mode and
ignores the field otherwise. A cluster whose default mode is raw deployment
cannot be seen from the repository.

## Why is this bad?
The team believes 10% of traffic goes to the new model while 100% of it does:
a regression in the new model reaches every user at once, and there is no
previous revision to roll back to.

## Example
```yaml
metadata:
  annotations: {serving.kserve.io/deploymentMode: RawDeployment}
spec:
  predictor:
    canaryTrafficPercent: 10
```

## Use instead
Use Serverless mode for canaries, or, in raw deployment mode, a second
InferenceService and a traffic split in the gateway.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.lint.workloads import KSERVE_COMPONENTS
from gitops_ml.model import Severity

RAW_MODES = frozenset({"RawDeployment", "Standard"})
MODE_ANNOTATION = "serving.kserve.io/deploymentMode"


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    mode = str(obj.annotations.get(MODE_ANNOTATION) or "")
    for component in KSERVE_COMPONENTS:
        spec = obj.spec.get(component)
        if not isinstance(spec, dict) or "canaryTrafficPercent" not in spec:
            continue
        value = spec["canaryTrafficPercent"]
        path = ("spec", component, "canaryTrafficPercent")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            yield Violation(
                message=f"{component} canaryTrafficPercent {value!r} is not 0..100", path=path
            )
        elif mode in RAW_MODES:
            yield Violation(
                message=f"{component} canaryTrafficPercent is ignored in {mode} mode: "
                f"KServe supports canary rollout only in Serverless mode",
                path=path,
                severity=Severity.WARNING,
            )


RULE = Rule(
    id="canary-traffic-invalid",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a KServe canaryTrafficPercent is out of range or ignored by the deployment mode",
    remediation="Use a value in 0..100, and only in Serverless mode.",
    check=check,
    doc=__doc__ or "",
    kinds=frozenset({"InferenceService"}),
)
