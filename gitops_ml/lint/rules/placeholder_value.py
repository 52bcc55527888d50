"""placeholder-value: an image or model URI is still the placeholder new-model wrote.

## What it does
`gitops-ml new-model` writes a placeholder where it was not told a value:
the training image without `--training-image`, the serving image without
`--image`, the model URI without `--storage-uri`
(`ghcr.io/acme/<model>-train:0.1.0-placeholder`,
`s3://models/<model>/v1-placeholder`, and each stack's own: values no real
release is named, so a real `s3://models/fraud/v1` is never taken for one). The templates come from the scaffold stack registry
(`placeholder_image`, `placeholder_uri` of each stack in
`gitops_ml/scaffold/stacks/`), the one place new-model takes them from. Any
string under a rendered object's `spec` that is exactly such a value, for
any model name, is reported: an error in a prod-tier environment, a warning
elsewhere.

## Why is this bad?
The generated ApplicationSet syncs with prune: a placeholder that reaches
prod is an `ImagePullBackOff` on the serving pods, a predictor that loads
nothing (or another team's `v1` from a bucket that happens to exist), and a
retraining job that never starts, while lint was clean and the commit looked
complete.

## Example
```yaml
# models/fraud/overlays/prod/serving-patch.yaml
spec:
  predictor:
    model:
      storageUri: s3://models/fraud/v1-placeholder
```

## Use instead
```yaml
spec:
  predictor:
    model:
      storageUri: s3://ml-artifacts/fraud/2024-06-01
```
or run new-model with `--storage-uri`, `--image` and `--training-image`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import JsonPath, Rule, Scope, Violation

_MODEL = "[a-z](?:[-a-z0-9]*[a-z0-9])?"  # a model name, as new-model accepts it


@functools.cache
def templates() -> tuple[str, ...]:
    """Every placeholder new-model can write, with ``{name}`` for the model's name."""
    from gitops_ml.scaffold.stacks import SERVING_STACKS, TRAINING_STACKS

    out: list[str] = []
    for stack in TRAINING_STACKS:
        out.append(":".join(stack.placeholder_image))
    for serving in SERVING_STACKS:
        out += [":".join(serving.placeholder_image), serving.placeholder_uri]
    return tuple(dict.fromkeys(out))


@functools.cache
def _pattern() -> re.Pattern[str]:
    parts = (re.escape(t).replace(re.escape("{name}"), _MODEL) for t in templates())
    return re.compile("(?:" + "|".join(parts) + ")")


def _strings(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))
    elif isinstance(value, str):
        yield path, value


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    pattern = _pattern()
    severity = None if ctx.tier(obj.environment) == "prod" else Severity.WARNING
    for path, value in _strings(obj.data.get("spec")):
        if pattern.fullmatch(value):
            yield Violation(
                message=f"{obj.kind} {obj.name!r} still uses new-model's placeholder {value!r}",
                path=("spec", *path),
                severity=severity,
            )


RULE = Rule(
    id="placeholder-value",
    scope=Scope.OBJECT,
    severity=Severity.ERROR,
    summary="an image or model URI is still the placeholder new-model wrote",
    remediation="Set the real value (new-model --image/--training-image/--storage-uri, "
    "or edit the overlay).",
    check=check,
    doc=__doc__ or "",
)
