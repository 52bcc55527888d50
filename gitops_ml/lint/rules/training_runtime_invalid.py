"""training-runtime-invalid: a Kubeflow Trainer runtime whose ancestor jobs the webhook rejects.

## What it does
Ports `validateReplicatedJobs` of the Kubeflow Trainer webhooks
(kubeflow/trainer `pkg/webhooks/trainingruntime_webhook.go`, called for
TrainingRuntime and ClusterTrainingRuntime): a replicated job of
`spec.template.spec.replicatedJobs` labelled
`trainer.kubeflow.org/trainjob-ancestor-step` with one of the ancestors
`trainer`, `model-initializer`, `dataset-initializer` must

* have `replicas` 1 (unset is 1, the JobSet default), and
* contain the container the Trainer fills in: `node` for `trainer`,
  `model-initializer` and `dataset-initializer` for the initializers.

A replicated job with another ancestor value, or without the label, is not
checked. What the CRD's own CEL rules say (one ML policy per runtime...) is
`cel-invalid`'s.

## Why is this bad?
The webhook refuses the runtime, and every TrainJob that names it fails with
"unsupported runtime" until the runtime is fixed.

## Example
```yaml
replicatedJobs:
  - name: node
    replicas: 2
    template:
      metadata:
        labels: {trainer.kubeflow.org/trainjob-ancestor-step: trainer}
      spec:
        template:
          spec:
            containers:
              - name: trainer
```

## Use instead
```yaml
  - name: node
    template:
      metadata:
        labels: {trainer.kubeflow.org/trainjob-ancestor-step: trainer}
      spec:
        template:
          spec:
            containers:
              - name: node
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.lint.workloads import TRAINING_RUNTIME_KINDS

ANCESTOR_LABEL = "trainer.kubeflow.org/trainjob-ancestor-step"
CONTAINERS = {
    "trainer": "node",
    "model-initializer": "model-initializer",
    "dataset-initializer": "dataset-initializer",
}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    jobs = _dict(_dict(obj.spec.get("template")).get("spec")).get("replicatedJobs")
    for i, job in enumerate(jobs if isinstance(jobs, list) else ()):
        job = _dict(job)
        template = _dict(job.get("template"))
        ancestor = _dict(_dict(template.get("metadata")).get("labels")).get(ANCESTOR_LABEL)
        if ancestor not in CONTAINERS:
            continue
        base = ("spec", "template", "spec", "replicatedJobs", i)
        replicas = job.get("replicas", 1)
        if replicas != 1:
            yield Violation(
                message=f"replicated job '{job.get('name')}' ({ancestor}) has replicas "
                f"{replicas}; an ancestor job always has 1",
                path=(*base, "replicas"),
            )
        pod = _dict(_dict(_dict(template.get("spec")).get("template")).get("spec"))
        containers = pod.get("containers")
        names = [_dict(c).get("name") for c in containers] if isinstance(containers, list) else []
        if CONTAINERS[ancestor] not in names:
            yield Violation(
                message=f"replicated job '{job.get('name')}' ({ancestor}) has no container "
                f"named '{CONTAINERS[ancestor]}'",
                path=(*base, "template", "spec", "template", "spec", "containers")
                if isinstance(containers, list)
                else base,
            )


RULE = Rule(
    id="training-runtime-invalid",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="a Trainer runtime's ancestor job has more than 1 replica or lacks its container",
    remediation="Give trainer/initializer jobs 1 replica and the containers node, "
    "model-initializer, dataset-initializer.",
    check=check,
    doc=__doc__ or "",
    kinds=TRAINING_RUNTIME_KINDS,
)
