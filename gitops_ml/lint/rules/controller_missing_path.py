"""controller-missing-path: a GitOps controller deploys a path that is not there.

## What it does
Checks the paths of Argo CD `Application`s (`spec.source.path`,
`spec.sources[].path`) and Flux `Kustomization`s (`spec.path`, relative to
the GitRepository root) that point at this repository: the folder must
exist, and when it holds a kustomization that gitops-ml renders, it must
build. For an ApplicationSet, a git directory generator path without a
wildcard must name an existing folder, and the template path rendered with
each folder the generator matches (Go `path.Match` semantics, as Argo CD
uses: `*` does not cross `/`) must exist. A glob such as
`models/*/overlays/dev` that matches nothing is not reported: it generates
no Applications, which is the normal state of a repository with no model yet.

## Why is this bad?
Argo CD shows the Application as `ComparisonError` and Flux marks the
Kustomization not ready: nothing in that environment syncs, so a rollback
of a misbehaving model, or a fix to a crash-looping training job, waits
until someone notices. A literal directory generator path that is missing
is worse: it silently generates no Applications at all, and may even prune
the ones it generated before.

## Example
```yaml
kind: Application
spec:
  source:
    path: models/fraud/overlay/prod     # the folder is overlays/prod
```

## Use instead
```yaml
kind: Application
spec:
  source:
    path: models/fraud/overlays/prod
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.build_errors import explain
from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext
from gitops_ml.lint.controllers import controllers, is_dir, matched_dirs
from gitops_ml.lint.rule import Rule, Scope, Violation


def _what(kind: str) -> str:
    return {"Kustomization": "Flux Kustomization"}.get(kind, kind)


def _has_wildcard(glob: str) -> bool:
    return any(c in glob for c in "*?[")


def check(
    ctx: LintContext, subject: LintContext, options: Mapping[str, Any]
) -> Iterator[Violation]:
    found = controllers(ctx)
    failed = {o.path: o for o in ctx.overlays if o.error is not None}
    for target in found.targets:
        directory = target.directory
        if directory is None:
            continue
        name = f"{_what(target.obj.kind)} {target.obj.name!r}"
        if not is_dir(ctx, directory):
            yield Violation(
                message=f"{name} deploys path {directory!r}, which is not a folder in this repo",
                obj=target.obj,
                path=target.path,
            )
        elif directory in failed:
            yield Violation(
                message=(
                    f"{name} deploys path {directory!r}, which does not build: "
                    + explain(ctx, failed[directory], limit=160)
                ),
                obj=target.obj,
                path=target.path,
                detail=f"{name} deploys path {directory!r}, which does not build: "
                + (failed[directory].error or ""),
            )
    for glob in found.globs:
        if glob.exclude or _has_wildcard(glob.glob):
            continue  # a glob that matches nothing generates no Applications: not an error
        if not matched_dirs(ctx, [glob]):
            yield Violation(
                message=(
                    f"ApplicationSet {glob.obj.name!r} directory generator path {glob.glob!r} "
                    "is not a folder in this repo"
                ),
                obj=glob.obj,
                path=glob.path,
            )


RULE = Rule(
    id="controller-missing-path",
    scope=Scope.REPOSITORY,
    severity=Severity.ERROR,
    summary="a GitOps controller deploys a path that does not exist or does not build",
    remediation="Correct the path or glob so it names an overlay folder that builds.",
    check=check,
    doc=__doc__ or "",
)
