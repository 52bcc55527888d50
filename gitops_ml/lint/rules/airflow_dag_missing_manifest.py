"""airflow-dag-missing-manifest: a generated Airflow DAG names something that is not there.

## What it does
Reads every DAG that `gitops-ml new-model --orchestrator airflow` generated
(a `.py` file under `airflow.dagsFolder`, default `dags/`, with a
`GITOPS_ML = {...}` literal) with Python's `ast` module; the file is never
imported or run. Reports, at the line of the literal that names it:

* an overlay that does not exist, is not a kustomization, or does not build;
* a model or environment that is not the one the overlay path belongs to,
  or an environment that `gitops-ml.yaml` does not list;
* an overlay that renders no PyTorchJob, TFJob, TrainJob or Job;
* a manifest path that leaves the repository, does not exist, or does not
  hold exactly one such training object.

## Why is this bad?
Airflow imports the DAG and shows it as scheduled, but every run fails at
the first task (or launches the training of another model or environment).
Nobody notices until the model in production is weeks stale.

## Example
```python
GITOPS_ML = {
    "model": "fraud",
    "environment": "prod",
    "overlay": "models/fraud/overlays/production",  # no such overlay
    "manifest": "manifests/fraud_prod_train.yaml",
}
```

## Use instead
```python
GITOPS_ML = {
    "model": "fraud",
    "environment": "prod",
    "overlay": "models/fraud/overlays/prod",
    "manifest": "manifests/fraud_prod_train.yaml",
}
```
then `gitops-ml airflow sync` to write the manifest from the overlay.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.airflow import MARKER_KEYS, TRAINING_KINDS, DagFile
from gitops_ml.airflow import training_object as find_training_object
from gitops_ml.build_errors import explain
from gitops_ml.findings import Severity
from gitops_ml.kustomizations import locate
from gitops_ml.lint.context import LintContext
from gitops_ml.lint.rule import Rule, Scope, Violation


def _at(dag: DagFile, key: str, message: str) -> Violation:
    return Violation(message=f"DAG {dag.rel} {message}", file=dag.rel, line=dag.line_of(key))


def _check_dag(ctx: LintContext, dag: DagFile) -> Iterator[Violation]:
    for key in MARKER_KEYS:
        if dag.value_of(key) is None:
            yield _at(dag, key, f"names no {key} (a string) in its GITOPS_ML literal")
    model, env, overlay = (
        dag.value_of("model"),
        dag.value_of("environment"),
        dag.value_of("overlay"),
    )
    if model is not None and env is not None and overlay is not None:
        yield from _check_overlay(ctx, dag, model, env, overlay)
    if dag.value_of("manifest") is None:
        return
    manifest = dag.manifest_rel()
    if manifest is None:
        yield _at(
            dag, "manifest", f"names manifest {dag.value_of('manifest')!r} outside the repository"
        )
        return
    _, problem = ctx.dag_manifests.get(manifest, (None, None))
    if problem is not None:
        yield _at(dag, "manifest", f"reads {problem}; run `gitops-ml airflow sync`")


def _check_overlay(
    ctx: LintContext, dag: DagFile, model: str, env: str, overlay: str
) -> Iterator[Violation]:
    directory = (ctx.root / overlay).resolve()
    if overlay.startswith("/") or ".." in overlay.split("/"):
        yield _at(dag, "overlay", f"names overlay {overlay!r} outside the repository")
        return
    if directory not in ctx.repo.kustomizations:
        yield _at(dag, "overlay", f"names overlay {overlay}, which is not a kustomization here")
        return
    where = locate(overlay)
    if where.model != model:
        yield _at(
            dag, "model", f"names model {model!r} but overlay {overlay} is of {where.model!r}"
        )
    if where.name != env:
        yield _at(dag, "environment", f"names environment {env!r} but {overlay} is {where.name!r}")
    declared = ctx.config.declared_environments
    if declared and env not in declared:
        yield _at(
            dag, "environment", f"names environment {env!r}, which gitops-ml.yaml does not list"
        )
    rendered = next((o for o in ctx.overlays if o.path == overlay), None)
    if rendered is None:
        return  # not rendered in this run (only some files were linted)
    if rendered.error or rendered.skipped:
        reason = explain(ctx, rendered, limit=160) if rendered.error else rendered.skipped
        yield _at(dag, "overlay", f"launches overlay {overlay}, which does not build: {reason}")
    elif find_training_object((o.data for o in rendered.objects), model) is None:
        yield _at(
            dag,
            "overlay",
            f"launches overlay {overlay}, which renders no {', '.join(TRAINING_KINDS)}",
        )


def check(
    ctx: LintContext, subject: LintContext, options: Mapping[str, Any]
) -> Iterator[Violation]:
    for dag in ctx.dags:
        if dag.generated:
            yield from _check_dag(ctx, dag)


RULE = Rule(
    id="airflow-dag-missing-manifest",
    scope=Scope.REPOSITORY,
    severity=Severity.ERROR,
    summary="a generated Airflow DAG names a model, environment, overlay or manifest that is not there",
    remediation="Point GITOPS_ML at an existing overlay and run `gitops-ml airflow sync`.",
    check=check,
    doc=__doc__ or "",
)
