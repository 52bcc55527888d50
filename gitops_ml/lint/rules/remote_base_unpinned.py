"""remote-base-unpinned: a remote kustomize base or Helm chart without a fixed version.

## What it does
Reports a remote resource (a git URL or `github.com/...` path) whose `ref`
is missing or names a branch (`main`, `master`, `HEAD`, ...) rather than a tag
or a commit. gitops-ml never fetches remote bases unless `--allow-remote`
is given; overlays that use one are reported as not rendered.

Also reports a `helmCharts` (or `helmChartInflationGenerator`) entry that
pulls from a chart repository (`repo:`, `chartRepoUrl:`) with no `version`
or with a range (`^1.2`, `~1.2.0`, `>=1`, `1.x`, `*`): kustomize hands it to
`helm pull`, which then takes the newest chart that matches. This rule owns
the pinning; `helm-chart-not-rendered` reports the chart whatever its
version, because gitops-ml never inflates it. A chart with no repository is
read from the local `chartHome` and is not reported.

## Why is this bad?
The base can change under you: a push to the other repository changes what
your prod serving or training job runs without a commit in this one, and a
rollback of this repository no longer restores the old state.

## Example
```yaml
resources:
- https://github.com/acme/ml-bases//kserve?ref=main
helmCharts:
- name: triton-inference-server
  repo: https://charts.example.com
```

## Use instead
```yaml
resources:
- https://github.com/acme/ml-bases//kserve?ref=v1.4.0
helmCharts:
- name: triton-inference-server
  repo: https://charts.example.com
  version: 2.3.1
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint.context import LintContext, SourceFile
from gitops_ml.lint.rule import JsonPath, Rule, Scope, Violation

_REF = re.compile(r"[?&](?:ref|version)=([^&]+)")
_BRANCHES = frozenset({"main", "master", "head", "develop", "dev", "trunk", "latest"})
# constraint operators, wildcards, ranges and alternatives of Masterminds semver
_HELM_RANGE = re.compile(r"[\^~<>!*|,\s]|(^|\.)[xX](\.|\Z)")
_PINNED = re.compile(r"^(?:v?\d+(?:\.\d+)*(?:[-+.][\w.]+)?|[0-9a-f]{7,40})\Z", re.IGNORECASE)


def is_pinned(url: str) -> bool:
    match = _REF.search(url)
    if match is None:
        return False
    ref = match.group(1)
    return ref.lower() not in _BRANCHES and bool(_PINNED.match(ref))


def is_helm_range(version: str) -> bool:
    """A Helm (Masterminds semver) constraint rather than one version."""
    text = version.strip()
    return not text or bool(_HELM_RANGE.search(text))


def _helm_charts(data: Any) -> Iterator[tuple[JsonPath, str, str, Any]]:
    """(path of the version or entry, chart, repository, version) of every chart pulled."""
    if not isinstance(data, dict):
        return
    for fld in ("helmCharts", "helmChartInflationGenerator"):
        entries = data.get(fld)
        for i, chart in enumerate(entries if isinstance(entries, list) else ()):
            if not isinstance(chart, dict):
                continue
            repo = chart.get("repo") or chart.get("chartRepoUrl")
            if not isinstance(repo, str) or not repo.strip():
                continue
            name = str(chart.get("name") or chart.get("chartName"))
            key = next((k for k in ("version", "chartVersion") if k in chart), None)
            where: JsonPath = (fld, i, key) if key else (fld, i)
            yield where, name, repo, chart.get(key) if key else None


def _helm(data: Any) -> Iterator[Violation]:
    for where, name, repo, version in _helm_charts(data):
        if version is None or version == "":
            shown = "has no version"
        elif isinstance(version, str) and is_helm_range(version):
            shown = f"version {version!r} is a range"
        else:
            continue
        yield Violation(
            message=f"{where[0]} entry {name!r} from {repo} {shown}: helm pull takes the "
            "newest chart that matches at every build",
            path=where,
        )


def check(ctx: LintContext, source: SourceFile, options: Mapping[str, Any]) -> Iterator[Violation]:
    k = source.kustomization
    if k is None:
        return
    for ref in k.references:
        if ref.status == "remote" and not is_pinned(ref.value):
            yield Violation(
                message=f"remote {ref.field} entry {ref.value!r} is not pinned to a tag or commit",
                path=ref.path,
            )
    yield from _helm(k.data)


RULE = Rule(
    id="remote-base-unpinned",
    scope=Scope.SOURCE,
    severity=Severity.WARNING,
    summary="a remote base or Helm chart is not pinned to a tag, commit or version",
    remediation="Add ?ref=<tag or commit> to a remote base's URL, an exact version: to a Helm chart.",
    check=check,
    doc=__doc__ or "",
)
