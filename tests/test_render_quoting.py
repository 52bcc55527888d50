"""`gitops-ml render` output reads back the same in YAML 1.1 (PyYAML, kubectl) and 1.2."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner
from ruamel.yaml import YAML

from gitops_ml.cli import main
from gitops_ml.render import build_plain, get_engine
from gitops_ml.yamlio import dump_plain

# strings YAML 1.1 reads as booleans, integers, floats, null or timestamps
AMBIGUOUS = ["yes", "no", "on", "off", "y", "n", "Y", "NO", "1:30", "1:30:00.5", "0x1F", "017"]
AMBIGUOUS += ["1_000", "2001-12-14", "~", "null", "true", "3.0", "", "=", "<<"]

SOURCE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: server
spec:
  selector:
    matchLabels: {app: server}
  template:
    metadata:
      labels: {app: server}
    spec:
      containers:
      - name: server
        image: ghcr.io/acme/server:1.0
        env:
%s
"""


def _repo(tmp_path: Path) -> Path:
    env = "\n".join(
        f"        - name: V{i}\n          value: {v!r}" for i, v in enumerate(AMBIGUOUS)
    )
    (tmp_path / "deployment.yaml").write_text(SOURCE % env)
    (tmp_path / "kustomization.yaml").write_text("resources:\n- deployment.yaml\n")
    return tmp_path


def test_render_output_reads_back_identically_in_yaml_1_1_and_1_2(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    built = build_plain(repo, get_engine(None))
    values = [e["value"] for e in built[0]["spec"]["template"]["spec"]["containers"][0]["env"]]
    assert values == AMBIGUOUS  # kustomize keeps them strings

    result = CliRunner().invoke(main, ["render", str(repo)])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.output) == built[0]  # YAML 1.1
    assert YAML(typ="safe", pure=True).load(result.output) == built[0]  # YAML 1.2
    assert YAML(typ="rt").load(result.output) == built[0]


def test_plain_strings_stay_unquoted() -> None:
    text = dump_plain([{"name": "server", "value": "model-v3", "n": 3, "on": True}])
    assert text == "name: server\nvalue: model-v3\n'n': 3\n'on': true\n"
    assert yaml.safe_load(text) == {"name": "server", "value": "model-v3", "n": 3, "on": True}
