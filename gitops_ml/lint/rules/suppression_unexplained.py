"""suppression-unexplained: a suppression comment gives no reason, or names no rule.

## What it does
Reads every file of the run (kustomizations, patches, manifests and the
files rendered objects came from) for `# gitops-ml: ignore[rule-a,rule-b]`
comments. A comment with no reason text after the brackets is reported
(info); a comment naming a rule id that does not exist is reported as a
warning, since it suppresses nothing.

## Why is this bad?
A suppression without a reason outlives the reason: a year later nobody
knows whether `ignore[shm-size-missing]` on a training job was a deliberate
choice for a single-worker job or a workaround for a DataLoader crash that
now hits every multi-worker run. A misspelled rule id looks like a
suppression in review but silences nothing, or worse, the next person
"fixes" the real finding away.

## Example
```yaml
image: ghcr.io/acme/fraud:latest  # gitops-ml: ignore[image-tag-mutable]
```

## Use instead
```yaml
image: ghcr.io/acme/fraud:latest  # gitops-ml: ignore[image-tag-mutable] dev only, rebuilt nightly
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.kustomizations import rel
from gitops_ml.lint.context import LintContext
from gitops_ml.lint.rule import Rule, Scope, Violation
from gitops_ml.lint.suppress import COMMENT, parse_rules

_WILDCARDS = frozenset({"all", "*"})


def _files(ctx: LintContext) -> list[str]:
    """Every file the run read: sources, manifests, and all that each overlay builds from."""
    files = dict.fromkeys(ctx.sources)
    for obj in ctx.manifests:
        if obj.origin is not None:
            files[obj.origin] = None
    for overlay in ctx.overlays:
        for path in ctx.repo.files_of(overlay.kustomization):
            files[rel(ctx.root, path)] = None
    return sorted(files)


def check(
    ctx: LintContext, subject: LintContext, options: Mapping[str, Any]
) -> Iterator[Violation]:
    from gitops_ml.lint.rules import BY_ID  # the registry imports this module

    for rel_path in _files(ctx):
        for number, line in enumerate(ctx.lines(rel_path), start=1):
            match = COMMENT.search(line)
            if match is None:
                continue
            column = match.start() + 1
            rules = parse_rules(match.group(1))
            unknown = sorted(r for r in rules - _WILDCARDS if r not in BY_ID)
            if unknown:
                yield Violation(
                    message=(
                        f"suppression names unknown rule(s) {', '.join(unknown)}; "
                        "`gitops-ml rules` lists the rule ids"
                    ),
                    file=rel_path,
                    line=number,
                    column=column,
                    severity=Severity.WARNING,
                )
            # a fixture's trailing "# expect: rule" marker is not a reason
            reason = re.sub(r"#\s*expect:.*$", "", match.group(2))
            if not re.search(r"\w", reason):
                yield Violation(
                    message=(
                        f"suppression of {', '.join(sorted(rules)) or 'nothing'} gives no "
                        "reason after the brackets"
                    ),
                    file=rel_path,
                    line=number,
                    column=column,
                )


RULE = Rule(
    id="suppression-unexplained",
    scope=Scope.REPOSITORY,
    severity=Severity.INFO,
    summary="a suppression comment gives no reason or names an unknown rule",
    remediation="Write why after the brackets: `# gitops-ml: ignore[rule] reason`.",
    check=check,
    doc=__doc__ or "",
)
