"""promotion-skips-staging: prod runs a version that staging never ran.

## What it does
For every model with a staging-tier and a prod-tier overlay, compares the
rendered objects of the two (matched by kind and name): each container
image of a prod object (tag or digest) and each model URI (`storageUri`,
`modelUri`) must be one that a staging overlay of the same model uses for
that image repository or field. Bucket names that differ only by the
environment name (`s3://models-staging/...` and `s3://models-prod/...`)
count as the same version. A prod digest compared with a staging tag is not
reported: the two cannot be compared without a registry.

A version staging ran before counts: in a git repository, prod may run
anything the staging overlay rendered at some commit reachable from HEAD
(the usual staging-first release bumps staging past what prod runs). Only
when the version is neither in staging now nor in its history (the commits
that changed a file staging's build reads, newest 50) is it reported; outside
git only the working tree counts.

## Why is this bad?
Staging exists to run the exact bits prod will run. A prod overlay edited
by hand to `fraud:v4` while staging still runs `v3` ships a model image, or
a set of weights, that no canary, load test or shadow evaluation ever saw:
a new tokenizer, a CUDA upgrade, a model that silently scores differently.
`gitops-ml promote` copies staging's version into prod to avoid exactly
this.

## Example
```yaml
# models/fraud/overlays/staging/kustomization.yaml
images:
- name: ghcr.io/acme/fraud
  newTag: v3
# models/fraud/overlays/prod/kustomization.yaml
images:
- name: ghcr.io/acme/fraud
  newTag: v4
```

## Use instead
Roll `v4` out to staging first, then promote it:
`gitops-ml promote fraud --from staging --to prod`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml import images
from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject, RenderedOverlay
from gitops_ml.lint.rule import JsonPath, Rule, Scope, Violation

_URI_KEYS = ("storageUri", "modelUri")
_ENV_WORDS = ("production", "staging", "stage", "prod", "prd", "stg")


def _walk(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, str, str]]:
    """(path, key, value) of every string under an ``image`` or model-URI key."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str) and k in ("image", *_URI_KEYS):
                yield (*path, k), k, v
            else:
                yield from _walk(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, (*path, i))


def split_image(ref: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest); a reference with neither means ``latest``."""
    name, tag, digest = images.split(ref)
    if tag is None and not digest:
        tag = "latest"
    return name, tag, digest or None


def _same_image(a: str, b: str) -> bool | None:
    """True/False when the versions can be compared, None when they cannot."""
    _, tag_a, digest_a = split_image(a)
    _, tag_b, digest_b = split_image(b)
    if digest_a and digest_b:
        return digest_a == digest_b
    if tag_a and tag_b:
        return tag_a == tag_b
    return None


def _normalize_uri(uri: str, envs: tuple[str, ...]) -> str:
    words = sorted({*_ENV_WORDS, *(e.lower() for e in envs)}, key=len, reverse=True)
    pattern = r"(?<![a-z0-9])(" + "|".join(re.escape(w) for w in words) + r")(?![a-z0-9])"
    return re.sub(pattern, "<env>", uri.lower().rstrip("/"))


def _strip_env(name: str, env: str | None) -> str:
    for word in (env or "", *_ENV_WORDS):
        if word:
            name = re.sub(rf"(^{re.escape(word)}-|-{re.escape(word)}$)", "", name)
    return name


def _match(obj: RenderedObject, candidates: list[RenderedObject]) -> RenderedObject | None:
    same_kind = [c for c in candidates if c.kind == obj.kind]
    for c in same_kind:
        if c.name == obj.name:
            return c
    core = _strip_env(obj.name, obj.environment)
    for c in same_kind:
        if _strip_env(c.name, c.environment) == core:
            return c
    return same_kind[0] if len(same_kind) == 1 else None


def _model_dir(overlay: RenderedOverlay) -> str:
    return overlay.path.rpartition("/overlays/")[0]


def _ran_before(
    ctx: LintContext, staging: list[RenderedOverlay], key: str, value: str, envs: tuple[str, ...]
) -> str | None:
    """The commit at which a staging overlay last rendered ``value``, from git history.

    "" when the history was read and never had it; None outside git.
    """
    if ctx.history is None:
        return None
    searched = False
    for overlay in staging:
        past = ctx.history(overlay.path)
        if past is None:
            continue
        searched = True
        for commit, version in past:
            if version is None:
                continue
            past_images, uris = version
            if key == "image" and any(
                images.name_of(i) == images.name_of(value) and _same_image(value, i) is True
                for i in past_images
            ):
                return str(commit)
            if key != "image" and any(
                _normalize_uri(value, envs) == _normalize_uri(u, envs) for u in uris
            ):
                return str(commit)
    return "" if searched else None


def _check_pair(
    ctx: LintContext,
    prod_obj: RenderedObject,
    staging: list[tuple[RenderedOverlay, RenderedObject]],
) -> Iterator[Violation]:
    envs = tuple(e for e in (prod_obj.environment, *(o.environment for o, _ in staging)) if e)
    staged = [(o, v) for o, obj in staging for v in _walk(obj.data)]
    for path, key, value in _walk(prod_obj.data):
        if key == "image":
            name = images.name_of(value)
            seen = [
                (o, v[2]) for o, v in staged if v[1] == "image" and images.name_of(v[2]) == name
            ]
            if not seen:
                continue  # staging runs a different image here: nothing to compare
            verdicts = [_same_image(value, s) for _, s in seen]
            if any(v is not False for v in verdicts):
                continue
            what = f"image {value!r}"
        else:
            seen = [(o, v[2]) for o, v in staged if v[1] == key]
            if not seen:
                continue
            if any(_normalize_uri(value, envs) == _normalize_uri(s, envs) for _, s in seen):
                continue
            what = f"{key} {value!r}"
        overlays = list({o.path: o for o, _ in seen}.values())
        earlier = _ran_before(ctx, overlays, key, value, envs)
        if earlier:
            continue  # staging ran it at an earlier commit: a staging-first release
        runs = ", ".join(sorted({f"{o.environment} runs {s!r}" for o, s in seen}))
        history = " in its git history" if earlier == "" else ""
        yield Violation(
            message=(
                f"{prod_obj.environment} {prod_obj.kind} {prod_obj.name!r} uses {what}, "
                f"which staging never ran{history} ({runs})"
            ),
            obj=prod_obj,
            path=path,
        )


def check(
    ctx: LintContext, subject: LintContext, options: Mapping[str, Any]
) -> Iterator[Violation]:
    by_model: dict[str, list[RenderedOverlay]] = {}
    for overlay in ctx.overlays:
        if overlay.model is not None and "/overlays/" in f"/{overlay.path}":
            by_model.setdefault(_model_dir(overlay), []).append(overlay)
    for overlays in by_model.values():
        staging = [o for o in overlays if ctx.tier(o.environment) == "staging" and o.objects]
        if not staging:
            continue
        for prod in (o for o in overlays if ctx.tier(o.environment) == "prod"):
            for obj in prod.objects:
                pairs = [(s, m) for s in staging if (m := _match(obj, s.objects)) is not None]
                if pairs:
                    yield from _check_pair(ctx, obj, pairs)


RULE = Rule(
    id="promotion-skips-staging",
    scope=Scope.REPOSITORY,
    severity=Severity.WARNING,
    summary="a prod overlay uses an image or model version its staging overlay never ran",
    remediation="Deploy the version to staging first, then promote it (gitops-ml promote).",
    check=check,
    doc=__doc__ or "",
)
