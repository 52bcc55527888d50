"""Rule helpers that port an operator's code, checked against the operator's own test tables."""

from __future__ import annotations

import pytest

from gitops_ml.lint.rules.argocd_sync_option_unknown import (
    APPLICATION_OPTIONS,
    RESOURCE_OPTIONS,
    ignored_because,
)
from gitops_ml.lint.rules.kserve_invalid import common_parent_path


# kserve pkg/utils/storage_test.go TestFindCommonParentPath, plus the case of issue 13
@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ([], ""),
        (["/mnt/models"], "/mnt/models"),
        (["/mnt/models/model1", "/mnt/models/model2"], "/mnt/models"),
        (["/mnt/models", "/opt/models"], "/"),
        (
            ["/mnt/models/pytorch/model1", "/mnt/models/pytorch/model2", "/mnt/models/pytorch/"],
            "/mnt/models/pytorch",
        ),
        (["/mnt/models", "/opt/data", "/var/cache"], "/"),
        (["/models/a", "/models"], "/models"),
    ],
)
def test_common_parent_path_matches_kserve(paths: list[str], expected: str) -> None:
    assert common_parent_path(paths) == expected


# every option Argo CD's docs/user-guide/sync-options.md shows, where it shows it
ARGO_DOC_APPLICATION = [
    "Prune=false",
    "Prune=confirm",
    "SkipDryRunOnMissingResource=true",
    "Delete=false",
    "Delete=confirm",
    "ApplyOutOfSyncOnly=true",
    "PrunePropagationPolicy=foreground",
    "PruneLast=true",
    "Replace=true",
    "ServerSideApply=true",
    "Validate=false",
    "ClientSideApplyMigration=false",
    "FailOnSharedResource=true",
    "RespectIgnoreDifferences=true",
    "CreateNamespace=true",
]
ARGO_DOC_ANNOTATION = [
    "Prune=false",
    "Prune=confirm",
    "Validate=false",
    "SkipDryRunOnMissingResource=true",
    "Delete=false",
    "Delete=confirm",
    "PruneLast=true",
    "Replace=true",
    "Force=true",
    "ServerSideApply=true",
    "ServerSideApply=false",
]


@pytest.mark.parametrize("entry", ARGO_DOC_APPLICATION)
def test_documented_application_sync_options_are_accepted(entry: str) -> None:
    assert ignored_because(entry, APPLICATION_OPTIONS, RESOURCE_OPTIONS) is None


@pytest.mark.parametrize("entry", ARGO_DOC_ANNOTATION)
def test_documented_annotation_sync_options_are_accepted(entry: str) -> None:
    assert ignored_because(entry, RESOURCE_OPTIONS, APPLICATION_OPTIONS) is None
