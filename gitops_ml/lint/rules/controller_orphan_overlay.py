"""controller-orphan-overlay: no GitOps controller deploys an overlay.

## What it does
When the repository holds GitOps controller objects (Argo CD `Application`
or `ApplicationSet`, Flux `Kustomization`, in `clusters/<env>` or as plain
manifests), checks that every environment overlay of a model
(`<model>/overlays/<env>`) is the path of one of them, or is included by
one. ApplicationSet git directory generators are matched the way Argo CD
does it: Go `path.Match` globs, where `*` does not cross `/`, and
`exclude: true` entries win. Flux paths are relative to the GitRepository
root; a Flux path with no `kustomization.yaml` deploys everything below it.
Runs only when the whole repository is linted.

Not orphans: bootstrap roots (an overlay whose own rendered objects are
Applications, ApplicationSets or Flux Kustomizations deploying other paths
of the repository: an app-of-apps root applied once by hand or a script),
and variant overlays whose name is not an environment (`overlays/stable`).
An overlay can also be deployed from outside the repository (a branch per
environment, an Application kept elsewhere), which no linter can see: unless
`controller:` in `gitops-ml.yaml` says which controller deploys this
repository, the finding is info, not a warning.

## Why is this bad?
A merged change to an overlay nobody syncs never reaches a cluster: the
model you promoted keeps serving the old weights, and the retraining job
you fixed keeps failing, while the pull request looks done. The usual
cause is a glob that stops one level short (`models/*` instead of
`models/*/overlays/prod`) or an environment added without its controller.

## Example
```yaml
# clusters/prod/appset.yaml
generators:
- git:
    directories:
    - path: models/*/overlays/production   # the overlays are called prod
```

## Use instead
```yaml
generators:
- git:
    directories:
    - path: models/*/overlays/prod
```
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext
from gitops_ml.lint.controllers import Target, controllers, has_kustomization
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.paths import under


def _coverage(ctx: LintContext, targets: list[Target]) -> Callable[[str], bool]:
    """Whether an overlay path is deployed by one of ``targets``; each target is resolved once."""
    patterns = [t.pattern for t in targets if t.pattern is not None]
    covered: set[str] = set()
    recursive: set[str] = set()
    for directory, is_recursive in {
        (t.directory, t.recursive) for t in targets if t.pattern is None and t.directory
    }:
        covered.add(directory)
        if is_recursive:
            recursive.add(directory)
        if has_kustomization(ctx, directory):
            root = ctx.repo.kustomizations.get((ctx.root / directory).resolve())
            if root is not None:
                covered.update(k.rel_dir for k in ctx.repo.closure(root))

    def covers(path: str) -> bool:
        return (
            path in covered
            or any(under(PurePosixPath(path), PurePosixPath(d)) for d in recursive)
            or any(p.fullmatch(path) is not None for p in patterns)
        )

    return covers


def check(
    ctx: LintContext, subject: LintContext, options: Mapping[str, Any]
) -> Iterator[Violation]:
    if not ctx.full_run:
        return
    found = controllers(ctx)
    if not found.targets:
        return
    covers = _coverage(ctx, list(found.targets))
    roots = _bootstrap_roots(found.targets)
    # without a declared controller, the overlay may be deployed from outside the repository
    severity = None if ctx.config.controller in ("argocd", "flux") else Severity.INFO
    for overlay in ctx.overlays:
        if overlay.model is None or overlay.environment is None:
            continue  # clusters/<env>, variants and other non-model leaves
        if covers(overlay.path) or overlay.path in roots:
            continue
        yield Violation(
            message=(
                f"no Argo CD Application/ApplicationSet or Flux Kustomization deploys "
                f"overlay {overlay.path} (model {overlay.model!r}, environment "
                f"{overlay.environment!r})"
            ),
            file=overlay.file,
            line=1,
            overlay=overlay,
            severity=severity,
        )


def _bootstrap_roots(targets: list[Target]) -> set[str]:
    """Overlays that render controller objects deploying other folders (app-of-apps roots)."""
    return {
        t.obj.overlay
        for t in targets
        if t.obj.overlay is not None and (t.pattern is not None or t.directory != t.obj.overlay)
    }


RULE = Rule(
    id="controller-orphan-overlay",
    scope=Scope.REPOSITORY,
    severity=Severity.WARNING,
    summary="no GitOps controller object deploys an overlay",
    remediation=(
        "Point an Application, an ApplicationSet directory glob or a Flux Kustomization "
        "at the overlay, or delete the overlay."
    ),
    check=check,
    doc=__doc__ or "",
)
