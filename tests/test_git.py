"""git.py's scaffolding part and the plan writer, on real repositories."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from gitops_ml import git as gitops
from gitops_ml.errors import UserError
from gitops_ml.scaffold.plan import Plan
from gitops_ml.scaffold.writer import write_plan


@pytest.fixture
def repo(tmp_path: Path) -> git.Repo:
    gitops.init_repository(tmp_path)
    r = git.Repo(tmp_path)
    (tmp_path / "a.txt").write_text("a\n")
    r.index.add(["a.txt"])
    r.index.commit("first")
    return r


def test_init_repository_starts_on_main(tmp_path: Path) -> None:
    gitops.init_repository(tmp_path / "new")
    assert git.Repo(tmp_path / "new").head.reference.name == "main"


def test_commit_paths_commits_only_those_paths(repo: git.Repo, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("changed\n")
    repo.index.add(["a.txt"])  # staged by the user: must stay staged, uncommitted
    write_plan(tmp_path, Plan.of({"models/x/base/k.yaml": "k: 1\n"}, "m"))
    view = gitops.open_view(tmp_path)
    result = gitops.commit_paths(view, ["models/x/base/k.yaml"], "feat(models): add x")
    assert result.branch == "main"
    assert set(repo.head.commit.stats.files) == {"models/x/base/k.yaml"}
    assert [d.a_path for d in repo.index.diff("HEAD")] == ["a.txt"]


def test_check_writable_refuses_dirty_paths_and_merges(repo: git.Repo, tmp_path: Path) -> None:
    view = gitops.open_view(tmp_path)
    gitops.check_writable(view, ["a.txt", "new.txt"])
    (tmp_path / "a.txt").write_text("dirty\n")
    with pytest.raises(UserError, match=r"a\.txt has uncommitted changes"):
        gitops.check_writable(view, ["a.txt"])
    (tmp_path / "a.txt").write_text("a\n")
    (Path(repo.git_dir) / "MERGE_HEAD").write_text(repo.head.commit.hexsha + "\n")
    with pytest.raises(UserError, match="middle of a merge"):
        gitops.check_writable(view, ["new.txt"])


def test_create_branch_refuses_an_existing_name(repo: git.Repo, tmp_path: Path) -> None:
    view = gitops.open_view(tmp_path)
    gitops.create_branch(view, "feature")
    assert repo.active_branch.name == "feature"
    with pytest.raises(UserError, match="already exists"):
        gitops.create_branch(view, "main")


def test_writer_refuses_existing_files_and_symlinked_folders(tmp_path: Path) -> None:
    (tmp_path / "keep.yaml").write_text("mine\n")
    with pytest.raises(UserError, match="already exists"):
        write_plan(tmp_path, Plan.of({"new.yaml": "x\n", "keep.yaml": "y\n"}, "m"))
    assert not (tmp_path / "new.yaml").exists()
    assert (tmp_path / "keep.yaml").read_text() == "mine\n"
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (tmp_path / "link").symlink_to(outside)
    with pytest.raises(UserError, match="symbolic link"):
        write_plan(tmp_path, Plan.of({"link/evil.yaml": "x\n"}, "m"))
    assert list(outside.iterdir()) == []
    with pytest.raises(UserError, match="inside the repository"):
        Plan.of({"../escape.yaml": "x\n"}, "m")


def test_writer_checks_every_path_before_writing(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where a folder should be\n")
    plan = Plan.of({"a/one.yaml": "1\n", "blocker/two.yaml": "2\n"}, "m")
    with pytest.raises(UserError, match="not a folder"):
        write_plan(tmp_path, plan)
    assert not (tmp_path / "a").exists()
