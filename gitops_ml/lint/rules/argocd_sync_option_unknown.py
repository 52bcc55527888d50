"""argocd-sync-option-unknown: an Argo CD sync option that Argo CD does not read.

## What it does
Checks every entry of an Application's `spec.syncPolicy.syncOptions` (and of
an ApplicationSet's `spec.template.spec.syncPolicy.syncOptions`) and of the
`argocd.argoproj.io/sync-options` annotation of any object against the
options Argo CD reads. Argo CD looks options up by exact string
(`SyncOptions.HasOption` in `pkg/apis/application/v1alpha1/types.go`,
`HasAnnotationOption` in `gitops-engine/pkg/sync/resource/annotations.go`),
so anything else is ignored without a word. Reported:

* an option Argo CD does not know (`Retry=true`, `syncTimeout=300`);
* a known option with a value it does not read (`CreateNamespace=True`,
  `PrunePropagationPolicy=delete`), with the spelling it expects;
* an option in the wrong place: `CreateNamespace`, `PrunePropagationPolicy`,
  `ApplyOutOfSyncOnly`, `FailOnSharedResource`, `RespectIgnoreDifferences`
  and `ClientSideApplyMigration` are read only from an Application's
  syncOptions (`controller/sync.go`), `Force` only from a resource's
  annotation (`gitops-engine/pkg/sync/sync_context.go`);
* a syncOptions entry with spaces around it (the annotation is trimmed, the
  list is not).

The options and values are those of Argo CD's `docs/user-guide/sync-options.md`
and the constants of `gitops-engine/pkg/sync/common/types.go`. An option that
restates a default (`Validate=true`) is accepted. Entries with a `{{...}}`
template are not checked.

## Why is this bad?
Argo CD accepts the Application and ignores the option: `Retry=true` does
not retry a sync that failed on a CRD race (retries live in
`syncPolicy.retry`), `CreateNamespace=True` leaves the model's namespace
missing so the first sync of a new environment fails, and a mistyped
`ServerSideApply` makes a large CRD or ConfigMap of model metadata fail to
apply with "metadata.annotations: Too long".

## Example
```yaml
spec:
  syncPolicy:
    syncOptions:
    - CreateNamespace=True
    - Retry=true
```

## Use instead
```yaml
spec:
  syncPolicy:
    syncOptions:
    - CreateNamespace=true
    retry:
      limit: 5
```
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_ml.findings import Severity
from gitops_ml.lint import workloads
from gitops_ml.lint.context import LintContext, RenderedObject
from gitops_ml.lint.rule import JsonPath, Rule, Scope, Violation

ANNOTATION = "argocd.argoproj.io/sync-options"
ARGO_GROUP = "argoproj.io"
_BOOL = frozenset({"true", "false"})
_PRUNE = frozenset({"true", "false", "confirm"})
# the values each option is read with (a default restated is accepted)
_BOTH: dict[str, frozenset[str]] = {
    "Prune": _PRUNE,
    "Delete": _PRUNE,
    "Validate": _BOOL,
    "SkipDryRunOnMissingResource": _BOOL,
    "PruneLast": _BOOL,
    "Replace": _BOOL,
    "ServerSideApply": _BOOL,
}
APPLICATION_OPTIONS: dict[str, frozenset[str]] = {
    **_BOTH,
    "ApplyOutOfSyncOnly": _BOOL,
    "PrunePropagationPolicy": frozenset({"foreground", "background", "orphan"}),
    "ClientSideApplyMigration": _BOOL,
    "CreateNamespace": _BOOL,
    "FailOnSharedResource": _BOOL,
    "RespectIgnoreDifferences": _BOOL,
}
RESOURCE_OPTIONS: dict[str, frozenset[str]] = {**_BOTH, "Force": _BOOL}
# options of argocd.argoproj.io/compare-options, often put here by mistake
_COMPARE_OPTIONS = frozenset({"ServerSideDiff", "IncludeMutationWebhook", "IgnoreExtraneous"})
_HINTS = {
    "retry": "retries are set in syncPolicy.retry",
    "synctimeout": "there is no per-Application sync timeout, only the controller's "
    "controller.sync.timeout.seconds for all",
}


def ignored_because(
    entry: str, known: dict[str, frozenset[str]], other: dict[str, Any]
) -> str | None:
    """Why Argo CD ignores ``entry`` where ``known`` are the options read there."""
    key, sep, value = entry.partition("=")
    if key in known:
        if sep and value in known[key]:
            return None
        wanted = next((v for v in sorted(known[key]) if v.lower() == value.lower()), None)
        if wanted is not None:
            return f"reads only {key}={wanted}"
        return f"reads {key} only with the value {', '.join(sorted(known[key]))}"
    for name in known:
        if name.lower() == key.lower():
            return f"has no option {key}; did you mean {name}?"
    if key in other:
        return None  # reported by the caller: the right option in the wrong place
    if key in _COMPARE_OPTIONS:
        return (
            f"has no sync option {key}; it is a compare option (argocd.argoproj.io/compare-options)"
        )
    hint = _HINTS.get(key.lower())
    return f"has no sync option {key}" + (f"; {hint}" if hint else "")


def _sync_options(obj: RenderedObject) -> Iterator[tuple[JsonPath, Any]]:
    if obj.key.group != ARGO_GROUP:
        return
    if obj.kind == "Application":
        base: JsonPath = ("spec", "syncPolicy", "syncOptions")
        options = workloads.as_dict(obj.spec.get("syncPolicy")).get("syncOptions")
    elif obj.kind == "ApplicationSet":
        base = ("spec", "template", "spec", "syncPolicy", "syncOptions")
        template = workloads.as_dict(workloads.as_dict(obj.spec.get("template")).get("spec"))
        options = workloads.as_dict(template.get("syncPolicy")).get("syncOptions")
    else:
        return
    for i, entry in enumerate(workloads.as_list(options)):
        yield (*base, i), entry


def _application(obj: RenderedObject) -> Iterator[Violation]:
    for path, entry in _sync_options(obj):
        if not isinstance(entry, str) or "{{" in entry:
            continue
        if entry != entry.strip():
            yield Violation(
                message=f"sync option {entry!r} has spaces around it; Argo CD matches "
                "syncOptions entries exactly and ignores it",
                path=path,
            )
            continue
        key = entry.partition("=")[0]
        if key not in APPLICATION_OPTIONS and key in RESOURCE_OPTIONS:
            yield Violation(
                message=f"sync option {entry} is read only from a resource's {ANNOTATION} "
                f"annotation; in an {obj.kind}'s syncOptions Argo CD ignores it",
                path=path,
            )
            continue
        problem = ignored_because(entry, APPLICATION_OPTIONS, RESOURCE_OPTIONS)
        if problem:
            yield Violation(message=f"sync option {entry} is ignored: Argo CD {problem}", path=path)


def _annotation(obj: RenderedObject) -> Iterator[Violation]:
    text = obj.annotations.get(ANNOTATION)
    if not isinstance(text, str) or "{{" in text:
        return
    path: JsonPath = ("metadata", "annotations", ANNOTATION)
    for entry in dict.fromkeys(e.strip() for e in text.split(",") if e.strip()):
        key = entry.partition("=")[0]
        if key not in RESOURCE_OPTIONS and key in APPLICATION_OPTIONS:
            yield Violation(
                message=f"sync option {entry} is read only from an Application's "
                f"spec.syncPolicy.syncOptions; in the {ANNOTATION} annotation Argo CD "
                "ignores it",
                path=path,
            )
            continue
        problem = ignored_because(entry, RESOURCE_OPTIONS, APPLICATION_OPTIONS)
        if problem:
            yield Violation(
                message=f"sync option {entry} in {ANNOTATION} is ignored: Argo CD {problem}",
                path=path,
            )


def check(ctx: LintContext, obj: RenderedObject, options: Mapping[str, Any]) -> Iterator[Violation]:
    yield from _application(obj)
    yield from _annotation(obj)


RULE = Rule(
    id="argocd-sync-option-unknown",
    scope=Scope.OBJECT,
    severity=Severity.WARNING,
    summary="an Argo CD sync option is misspelt, unknown or in a place Argo CD does not read it",
    remediation="Use an option from Argo CD's sync options list, spelt exactly, where Argo CD reads it.",
    check=check,
    doc=__doc__ or "",
)
