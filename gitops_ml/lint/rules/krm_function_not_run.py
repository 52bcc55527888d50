"""krm-function-not-run: a generator or transformer runs a program.

## What it does
Reports every `generators`, `transformers` or `validators` entry whose
configuration is a KRM function (a `config.kubernetes.io/function`
annotation with an `exec` path, a `container` image or a Starlark script) or
an external plugin (a kind that is not built into kustomize). gitops-ml never
runs them: a repository is untrusted input in CI. The overlay is not built,
so nothing of it is checked; `build-failed` says so.

## Why is this bad?
An exec function runs any program from the repository on the machine that
builds it, a container function pulls and runs an image: a pull request can
take over the CI runner. Argo CD and Flux do not run them either without
extra flags, so the serving objects they would generate never sync.

## Example
```yaml
# kustomization.yaml
generators:
- model-config.yaml   # annotated config.kubernetes.io/function: {exec: {path: ./gen.sh}}
```

## Use instead
Run the generator yourself and commit its output:
```yaml
resources:
- generated/model-config.yaml
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.kustomizations import plugins_of
from gitops_ml.lint.context import LintContext, SourceFile
from gitops_ml.lint.rule import Rule, Scope, Violation

_HOW = {
    "exec": "runs the executable",
    "container": "runs the container image",
    "starlark": "runs the Starlark script",
    "function": "runs the KRM function",
    "plugin": "loads the external plugin",
}


def check(ctx: LintContext, source: SourceFile, options: Mapping[str, Any]) -> Iterator[Violation]:
    if source.kustomization is None:
        return
    for plugin in plugins_of(source.kustomization):
        if plugin.what in _HOW:
            yield Violation(
                message=(
                    f"{plugin.field} entry {_HOW[plugin.what]} {plugin.detail!r}, "
                    "which gitops-ml never runs; the overlay is not checked"
                ),
                path=plugin.path,
            )


RULE = Rule(
    id="krm-function-not-run",
    scope=Scope.SOURCE,
    severity=Severity.WARNING,
    summary="a generator or transformer runs a program at build time",
    remediation="Run the function yourself and commit its output as plain manifests.",
    check=check,
    doc=__doc__ or "",
)
