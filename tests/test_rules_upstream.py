"""Rule helpers that port an operator's code, checked against the operator's own test tables."""

from __future__ import annotations

import pytest

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
