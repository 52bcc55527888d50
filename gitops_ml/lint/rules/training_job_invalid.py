"""training-job-invalid: a Kubeflow Training Operator v1 job name or manager the webhook rejects.

## What it does
Ports two checks of the training-operator `release-1.9` admission webhooks
that are not about replica specs:

* the job's name must be a DNS-1035 label (lower-case letters, digits and
  `-`, starting with a letter, at most 63 characters): every webhook calls
  `apimachineryvalidation.NameIsDNS1035Label` first
  (`pkg/webhooks/pytorch/pytorchjob_webhook.go` `validatePyTorchJob`,
  `tensorflow/tfjob_webhook.go` `validateTFJob`,
  `xgboost/xgboostjob_webhook.go` `validateXGBoostJob`,
  `jax/jaxjob_webhook.go` `validateJAXJob`,
  `paddlepaddle/paddlepaddle_webhook.go` `validatePaddleJob`), because the
  operator names Services after the job;
* `spec.runPolicy.managedBy`, when set, is `kubeflow.org/training-operator`
  or `kueue.x-k8s.io/multikueue` (`pkg/common/util/webhooks.go`
  `ValidateRunPolicy`; JAXJob's webhook does not call it).

A name given by `generateName` is not checked. MPIJob has no webhook in
`release-1.9` and is not checked.

## Why is this bad?
The webhook rejects the job when it is applied: `Llama_3-finetune` or
`3b-finetune` never starts, and a job handed to an unknown manager is
refused instead of waiting for it.

## Example
```yaml
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: 0-finetune
spec:
  runPolicy:
    managedBy: example.com/my-controller
```

## Use instead
```yaml
metadata:
  name: finetune-0
spec:
  runPolicy:
    managedBy: kueue.x-k8s.io/multikueue   # or leave it out
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation

_KINDS = frozenset({"PyTorchJob", "TFJob", "XGBoostJob", "JAXJob", "PaddleJob"})
_RUN_POLICY_CHECKED = _KINDS - {"JAXJob"}
MANAGERS = ("kubeflow.org/training-operator", "kueue.x-k8s.io/multikueue")
_DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def is_dns1035_label(name: str) -> bool:
    return len(name) <= 63 and _DNS1035.fullmatch(name) is not None


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    if obj.name and not is_dns1035_label(obj.name):
        yield Violation(
            message=f"{obj.kind} name '{obj.name}' is not a DNS-1035 label (lower-case "
            "letters, digits and '-', starting with a letter, at most 63 characters)",
            path=("metadata", "name"),
        )
    run_policy = obj.spec.get("runPolicy")
    manager = run_policy.get("managedBy") if isinstance(run_policy, dict) else None
    if obj.kind in _RUN_POLICY_CHECKED and manager is not None and manager not in MANAGERS:
        yield Violation(
            message=f"runPolicy.managedBy '{manager}' is not supported; use "
            f"{' or '.join(MANAGERS)}, or leave it out",
            path=("spec", "runPolicy", "managedBy"),
        )


RULE = Rule(
    id="training-job-invalid",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a Training Operator v1 job's name or runPolicy.managedBy is rejected by its webhook",
    remediation="Name the job as a DNS-1035 label; set runPolicy.managedBy to "
    "kubeflow.org/training-operator or kueue.x-k8s.io/multikueue, or leave it out.",
    check=check,
    doc=__doc__ or "",
    kinds=_KINDS,
)
