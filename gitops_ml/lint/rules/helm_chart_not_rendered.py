"""helm-chart-not-rendered: a kustomization inflates a Helm chart.

## What it does
Reports every `helmCharts` entry (and a `HelmChartInflationGenerator` named
in `generators`). gitops-ml never runs Helm: a repository is untrusted input
in CI, and inflating a chart downloads it and runs its templates. The overlay
is not built, so nothing of it is checked; `build-failed` says so. A chart
pulled with no exact `version` is reported by `remote-base-unpinned` too.

## Why is this bad?
The chart's Deployment, its GPU requests and its image tags reach the cluster
unchecked, and the build depends on a chart repository being reachable when
Argo CD syncs (with `--enable-helm` only): a model rollout that stalls on a
registry outage.

## Example
```yaml
helmCharts:
- name: triton-inference-server
  repo: https://charts.example.com
  version: 1.2.0
```

## Use instead
Render the chart once and commit its output as plain manifests:
```yaml
resources:
- triton/rendered.yaml   # helm template triton ... > triton/rendered.yaml
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.kustomizations import plugins_of
from gitops_ml.lint.context import LintContext, SourceFile
from gitops_ml.lint.rule import Rule, Scope, Violation


def check(ctx: LintContext, source: SourceFile, options: Mapping[str, Any]) -> Iterator[Violation]:
    if source.kustomization is None:
        return
    for plugin in plugins_of(source.kustomization):
        if plugin.what == "helm":
            yield Violation(
                message=(
                    f"{plugin.field} entry inflates Helm chart {plugin.detail!r}, "
                    "which gitops-ml never runs; the overlay is not checked"
                ),
                path=plugin.path,
            )


RULE = Rule(
    id="helm-chart-not-rendered",
    scope=Scope.SOURCE,
    severity=Severity.WARNING,
    summary="a Helm chart is inflated at build time and never checked",
    remediation="Commit the chart's `helm template` output and list it in `resources`.",
    check=check,
    doc=__doc__ or "",
)
