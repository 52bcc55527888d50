"""gitops-ml.yaml is checked against the rule registry: typos are exit 2 with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gitops_ml.cli import main
from gitops_ml.config import load_config
from gitops_ml.errors import ConfigError
from gitops_ml.lint.rule import Option, OptionType


def _lint_with(tmp_path: Path, config: str) -> tuple[int, str]:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "gitops-ml.yaml").write_text(config, encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(root)])
    return result.exit_code, result.output


def test_unknown_rule_names_the_line_and_the_rule_meant(tmp_path: Path) -> None:
    code, out = _lint_with(
        tmp_path,
        "environments:\n- name: dev\nrules:\n  image-tag-mutable: warning\n  shm-mising: 'off'\n",
    )
    assert code == 2
    assert "gitops-ml.yaml:5: unknown rule 'shm-mising' (did you mean 'shm-missing'?)" in out
    assert "Traceback" not in out


def test_unknown_rule_without_a_close_name_points_at_the_list(tmp_path: Path) -> None:
    code, out = _lint_with(tmp_path, "rules:\n  zzzz: 'off'\n")
    assert code == 2
    assert "gitops-ml.yaml:2: unknown rule 'zzzz'; `gitops-ml rules` lists them" in out


def test_unknown_option(tmp_path: Path) -> None:
    code, out = _lint_with(
        tmp_path, "rules:\n  image-tag-mutable:\n    options:\n      requireDigset: true\n"
    )
    assert code == 2
    assert (
        "gitops-ml.yaml:4: rule 'image-tag-mutable' has no option 'requireDigset' "
        "(did you mean 'requireDigest'?)"
    ) in out


def test_option_of_a_rule_with_none(tmp_path: Path) -> None:
    code, out = _lint_with(tmp_path, "rules:\n  shm-missing:\n    options: {size: 1}\n")
    assert code == 2
    assert "gitops-ml.yaml:3: rule 'shm-missing' has no option 'size'; it has no options" in out


@pytest.mark.parametrize(
    ("value", "wanted", "shown"),
    [
        ('"yes"', "a boolean", '"yes"'),
        ("1", "a boolean", "1"),
    ],
)
def test_wrong_type_in_an_environment_override(
    tmp_path: Path, value: str, wanted: str, shown: str
) -> None:
    code, out = _lint_with(
        tmp_path,
        "rules:\n  image-tag-mutable:\n    environments:\n      prod:\n        options:\n"
        f"          requireDigest: {value}\n",
    )
    assert code == 2
    assert (
        f"gitops-ml.yaml:6: option 'requireDigest' of rule 'image-tag-mutable' must be "
        f"{wanted}, not {shown}"
    ) in out


def test_wrong_item_type_in_a_list_option(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "gitops-ml.yaml").write_text(
        "rules:\n  gpu-without-toleration:\n    options:\n      nodeLabels: [gpu, 3]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"gitops-ml.yaml:4: .* must be a list of strings"):
        load_config(root)


def test_declared_options_load_and_resolve(tmp_path: Path) -> None:
    from gitops_ml.lint.rules import BY_ID

    root = tmp_path / "repo"
    root.mkdir()
    (root / "gitops-ml.yaml").write_text(
        "rules:\n  gpu-without-toleration:\n    options: {taintKey: gpu}\n", encoding="utf-8"
    )
    config = load_config(root)
    rule = BY_ID["gpu-without-toleration"]
    resolved = rule.resolve_options(config.rule(rule.id).options)
    assert resolved["taintKey"] == "gpu"
    assert "nvidia.com/gpu.present" in resolved["nodeLabels"]  # the declared default


def test_an_option_default_must_have_its_type() -> None:
    with pytest.raises(TypeError):
        Option("n", OptionType.INTEGER, True, "a count")
    assert OptionType.INTEGER.accepts(3) and not OptionType.INTEGER.accepts(False)


def test_a_repeated_key_names_the_key_and_its_line(tmp_path: Path) -> None:
    code, out = _lint_with(tmp_path, "# policy\nrules: {}\nrules:\n  shm-missing: 'off'\n")
    assert code == 2
    assert 'gitops-ml.yaml:3: found duplicate key "rules"' in out


def test_a_rule_set_for_a_misspelt_environment_is_refused(tmp_path: Path) -> None:
    config = (
        "environments:\n- name: dev\n- name: prod\nrules:\n  image-tag-mutable:\n"
        "    environments:\n      prdo: 'off'\n      canary: 'off'\n"
    )
    code, out = _lint_with(tmp_path, config)
    assert code == 2
    assert (
        "gitops-ml.yaml:7: rule 'image-tag-mutable' is set for environment 'prdo', which this "
        "repository does not have (did you mean 'prod'?)"
    ) in out
    # a name that is no near miss may be an environment the repository adds later
    (tmp_path / "later").mkdir()
    code, out = _lint_with(tmp_path / "later", config.replace("prdo", "prod"))
    assert code == 0, out
