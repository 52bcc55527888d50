"""env-missing-overlay: a model has no overlay for an environment.

## What it does
Finds the models of the repository (a folder with `base/` and/or
`overlays/<env>/` kustomizations, such as `models/fraud`) and the
environments they are expected in: those listed in `gitops-ml.yaml`, and
those that the other models in the same folder have overlays for (when at
least half of them have environment overlays: in a catalog of components,
one with `overlays/prod` does not make it the others' convention). A model
missing one of them is reported at one of its overlays' `kustomization.yaml`
(or at its base when it has no overlay at all). Only declared environments
and overlay names that look like environments (`dev`, `test`, `qa`,
`staging`, `prod`, `production`, ..., plus the config's `environmentNames`)
count, so variant overlays such as `overlays/istio` or an operator's
`overlays/stable` channel are not mistaken for environments, and a folder
whose overlays are all variants (an operator next to the models) is not
expected to have environments at all.

## Why is this bad?
A model that skips an environment either never gets tested before it
serves real traffic, or is silently absent from production: the
ApplicationSet that deploys `models/*/overlays/prod` creates no
Application for it and nobody gets an error. Promotion (`gitops-ml
promote fraud --from staging --to prod`) has nowhere to go.

## Example
```
models/fraud/overlays/dev/
models/fraud/overlays/prod/      # no staging overlay
models/churn/overlays/{dev,staging,prod}/
```

## Use instead
```
models/fraud/overlays/{dev,staging,prod}/
```
`gitops-ml new-model` writes an overlay for every configured environment.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext
from gitops_ml.lint.rule import Rule, Scope, Violation

_OVERLAY = re.compile(r"^(?P<model>.+)/overlays/(?P<env>[^/]+)\Z")
_BASE = re.compile(r"^(?P<model>.+)/base\Z")


@dataclass
class _Model:
    directory: str
    base: str | None = None  # kustomization file
    overlays: dict[str, str] = field(default_factory=dict)  # env -> kustomization file


def _models(ctx: LintContext) -> dict[str, _Model]:
    models: dict[str, _Model] = {}
    for k in sorted(ctx.repo.kustomizations.values(), key=lambda k: k.rel_dir):
        if k.is_component:
            continue
        if m := _OVERLAY.match(k.rel_dir):
            model = models.setdefault(m["model"], _Model(m["model"]))
            model.overlays[m["env"]] = k.rel_file
        elif m := _BASE.match(k.rel_dir):
            models.setdefault(m["model"], _Model(m["model"])).base = k.rel_file
    return models


def _shared_base(ctx: LintContext, model: _Model) -> bool:
    """A base-only folder that other models build on is a library, not a model."""
    if model.base is None:
        return False
    base_dir = posixpath.dirname(model.base)
    for k in ctx.repo.kustomizations.values():
        if k.rel_dir.startswith(model.directory + "/"):
            continue
        for ref in k.references:
            if ref.target is not None and ref.target == ctx.root / base_dir:
                return True
    return False


def check(
    ctx: LintContext, subject: LintContext, options: Mapping[str, Any]
) -> Iterator[Violation]:
    declared = frozenset(ctx.config.declared_environments)
    models = _models(ctx)
    envs_of = {
        d: {e for e in m.overlays if ctx.config.is_environment(e)} for d, m in models.items()
    }
    touched = set(ctx.sources)
    for directory, model in models.items():
        if not ctx.full_run and not ({model.base, *model.overlays.values()} & touched):
            continue
        parent = posixpath.dirname(directory)
        peers = [d for d in models if d != directory and posixpath.dirname(d) == parent]
        env_peers = [p for p in peers if envs_of[p]]
        # environments are the folder's convention only when most of its models have them,
        # not in a catalog of components where one of many has overlays/prod
        if len(env_peers) * 2 < len(peers):
            env_peers = []
        expected = set().union(*(envs_of[p] for p in env_peers))
        if not envs_of[directory] and (model.overlays or not expected):
            continue  # no environment structure here: only variants, or a lone base
        expected |= declared
        if not model.overlays and _shared_base(ctx, model):
            continue
        where = next(iter(model.overlays.values()), None) or model.base
        for env in sorted(expected - set(model.overlays)):
            yield Violation(
                message=(
                    f"model {posixpath.basename(directory)!r} has no overlay for environment "
                    f"{env!r} ({directory}/overlays/{env} does not exist)"
                ),
                file=where,
                line=1,
                environment=env,
            )


RULE = Rule(
    id="env-missing-overlay",
    scope=Scope.REPOSITORY,
    severity=Severity.WARNING,
    summary="a model has no overlay for an environment the repository uses",
    remediation="Add models/<model>/overlays/<env>/ (or remove the environment from the config).",
    check=check,
    doc=__doc__ or "",
)
