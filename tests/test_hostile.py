"""Hostile repositories: every one ends by itself, with a finding or one sentence.

Each case is a tiny repository: a folder of ``tests/hostile/`` copied as is, or
built here when git cannot hold it (binary, not UTF-8, symlinks out of the
repository, huge files, thousands of files). ``gitops-ml lint --format json .``
runs on it as a real process and must exit 0, 1 or 2 without a traceback,
report the expected rule (or exit 2 with one sentence), run nothing the
repository names, and write nothing into it. Elapsed times are recorded
(``record_property``), never asserted: only the hard 30 s timeout is.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HOSTILE = Path(__file__).parent / "hostile"
TIMEOUT_S = 30
GITOPS_ML = str(Path(sys.executable).parent / "gitops-ml")
FAKE_TOOL = '#!/bin/sh\ntouch "$HOSTILE_MARKERS/$(basename "$0")-ran"\nexit 0\n'

CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  x: '1'\n"


@dataclass(frozen=True)
class Case:
    name: str
    rules: frozenset[str] = frozenset()  # each must be reported
    exit_codes: frozenset[int] = frozenset({0, 1})
    build: Callable[[Path, Path], None] | None = None  # (repo, outside) -> None
    message: str = ""  # exit 2: a part of the one sentence
    absent: tuple[str, ...] = ()  # texts no finding may mention
    extra: dict[str, str] = field(default_factory=dict)


# -- repositories git cannot hold ---------------------------------------------------


def _write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")


def _binary(repo: Path, outside: Path) -> None:
    _write(repo / "kustomization.yaml", "resources:\n- model.yaml\n")
    _write(repo / "model.yaml", bytes(range(256)) * 64)
    _write(repo / "weights.yaml", b"\x7fELF\x02\x01\x01\x00" + os.urandom(4096))


def _not_utf8(repo: Path, outside: Path) -> None:
    _write(repo / "kustomization.yaml", b"resources:\n- cm.yaml\n")
    _write(repo / "cm.yaml", CM.format(name="caf\xe9").encode("latin-1"))
    _write(repo / "utf16.yaml", CM.format(name="a").encode("utf-16"))


def _huge(repo: Path, outside: Path) -> None:
    _write(repo / "kustomization.yaml", "resources:\n- big.yaml\n")
    line = "  k{}: '" + "x" * 100 + "'\n"
    body = "".join(line.format(i) for i in range(50_000))  # ~5.5 MB
    _write(
        repo / "big.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n" + body
    )
    _write(repo / "plain" / "huge.yaml", "a: " + "b" * (20 * 1024 * 1024) + "\n")


def _long_lines(repo: Path, outside: Path) -> None:
    _write(repo / "kustomization.yaml", "resources:\n- cm.yaml\n")
    _write(repo / "cm.yaml", CM.format(name="a") + "  long: '" + "y" * 1_000_000 + "'\n")


def _deep_flow(repo: Path, outside: Path) -> None:
    n = 100_000  # past the depth where libyaml's composer overflows the C stack
    _write(repo / "kustomization.yaml", "resources:\n- deep.yaml\n")
    _write(repo / "deep.yaml", CM.format(name="d") + "  deep: " + "[" * n + "]" * n + "\n")
    _write(repo / "plain" / "dashes.yaml", "- " * n + "x\n")
    _write(repo / "plain" / "maps.yaml", "a: " + "{a: " * n + "1" + "}" * n + "\n")


def _deep_block(repo: Path, outside: Path) -> None:
    _write(repo / "kustomization.yaml", "resources:\n- deep.yaml\n")
    body = "".join(" " * (i + 2) + f"k{i}:\n" for i in range(2500)) + " " * 2502 + "v: 1\n"
    _write(
        repo / "deep.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\ndata:\n" + body
    )


def _symlinks_out(repo: Path, outside: Path) -> None:
    _write(outside / "secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: OUTSIDE\n")
    _write(outside / "base" / "kustomization.yaml", "resources:\n- ../secret.yaml\n")
    _write(outside / "broken.yaml", "OUTSIDE: [unclosed\n")
    _write(repo / "app" / "kustomization.yaml", "resources:\n- link.yaml\n- base-link\n")
    (repo / "app" / "link.yaml").symlink_to(outside / "secret.yaml")
    (repo / "app" / "base-link").symlink_to(outside / "base", target_is_directory=True)
    (repo / "manifests").mkdir()
    (repo / "manifests" / "broken.yaml").symlink_to(outside / "broken.yaml")
    (repo / "linked-dir").symlink_to(outside, target_is_directory=True)
    (repo / "loop").symlink_to(repo / "loop")


def _kustomization_is_dir(repo: Path, outside: Path) -> None:
    _write(repo / "app" / "kustomization.yaml" / "x.yaml", CM.format(name="a"))
    _write(repo / "overlay" / "kustomization.yaml", "resources:\n- ../app\n")


def _many_files(repo: Path, outside: Path) -> None:
    for i in range(10_000):
        _write(repo / f"d{i // 500}" / f"cm{i}.yaml", CM.format(name=f"cm{i}"))


def _empty_repo(repo: Path, outside: Path) -> None:
    (repo / "empty-dir").mkdir()


def _bad_config(repo: Path, outside: Path) -> None:
    _write(repo / "gitops-ml.yaml", "rules: [unclosed\n")


def _bomb_config(repo: Path, outside: Path) -> None:
    bomb = (HOSTILE / "alias-bomb" / "overlay" / "lol.yaml").read_text(encoding="utf-8")
    _write(repo / "gitops-ml.yaml", bomb)


def _with_tools(repo: Path, outside: Path) -> None:
    """Fake ``helm`` and ``kustomize`` first on PATH: running them leaves a marker."""
    bin_dir = outside / "bin"
    for tool in ("helm", "kustomize", "git", "docker", "podman"):
        _write(bin_dir / tool, FAKE_TOOL)
        (bin_dir / tool).chmod(0o755)


CASES = [
    Case("malformed-yaml", rules=frozenset({"yaml-syntax"})),
    Case("malformed-kustomization", rules=frozenset({"yaml-syntax"})),
    Case("tab-indent", rules=frozenset({"yaml-syntax"})),
    Case("duplicate-keys", rules=frozenset({"yaml-duplicate-key"})),
    Case("bom-crlf"),
    Case("non-ascii"),
    Case("empty-files"),
    Case("null-documents"),
    Case("kustomization-list", rules=frozenset({"yaml-syntax"})),
    Case("kustomization-scalar", rules=frozenset({"yaml-syntax"})),
    Case("kustomization-many-docs", rules=frozenset({"yaml-syntax"})),
    Case("manifest-scalar-and-list"),
    Case("cycle", rules=frozenset({"kustomization-cycle", "build-failed"})),
    Case("self-cycle", rules=frozenset({"kustomization-cycle"})),
    Case("absolute-path", rules=frozenset({"path-escapes-repo"})),
    Case("escaping-path", rules=frozenset({"path-escapes-repo"})),
    Case("directory-for-file", rules=frozenset({"missing-reference"})),
    Case("remote-base", rules=frozenset({"build-failed"}), build=_with_tools),
    Case("helm-charts", rules=frozenset({"helm-chart-not-rendered"}), build=_with_tools),
    Case("helm-generator", rules=frozenset({"helm-chart-not-rendered"}), build=_with_tools),
    Case("krm-exec", rules=frozenset({"krm-function-not-run"}), build=_with_tools),
    Case("unknown-kinds"),
    Case("non-kubernetes"),
    Case("alias-bomb", rules=frozenset({"yaml-syntax", "build-failed"})),
    Case("alias-bomb-kustomization", rules=frozenset({"yaml-syntax"})),
    Case("alias-self-reference", rules=frozenset({"yaml-syntax"})),
    Case("binary", rules=frozenset({"yaml-syntax"}), build=_binary),
    Case("not-utf8", rules=frozenset({"yaml-syntax"}), build=_not_utf8),
    Case("huge-file", rules=frozenset({"yaml-syntax", "build-failed"}), build=_huge),
    Case("long-lines", build=_long_lines),
    Case("deep-flow", rules=frozenset({"yaml-syntax", "build-failed"}), build=_deep_flow),
    Case("deep-block", rules=frozenset({"yaml-syntax", "build-failed"}), build=_deep_block),
    Case(
        "symlinks-out",
        rules=frozenset({"path-escapes-repo"}),
        build=_symlinks_out,
        absent=("OUTSIDE", "broken.yaml"),
    ),
    Case("kustomization-is-dir", build=_kustomization_is_dir),
    Case("many-files", build=_many_files),
    Case("empty-repo", build=_empty_repo),
    Case("bad-config", exit_codes=frozenset({2}), build=_bad_config, message="gitops-ml.yaml"),
    Case("bomb-config", exit_codes=frozenset({2}), build=_bomb_config, message="aliases"),
]


# -- the harness ------------------------------------------------------------------------


def _snapshot(root: Path) -> dict[str, tuple[str, int, str]]:
    """Every entry under ``root``: kind, mtime and content hash (links not followed)."""
    out: dict[str, tuple[str, int, str]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                out[str(path.relative_to(root))] = ("link", st.st_mtime_ns, os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                out[str(path.relative_to(root))] = ("dir", st.st_mtime_ns, "")
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out[str(path.relative_to(root))] = ("file", st.st_mtime_ns, digest)
    return out


def _materialize(case: Case, tmp_path: Path) -> tuple[Path, Path]:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    outside.mkdir()
    (outside / "markers").mkdir()
    stored = HOSTILE / case.name
    if stored.is_dir():
        shutil.copytree(stored, repo, symlinks=True)
        for script in repo.rglob("*.sh"):
            script.chmod(0o755)
    else:
        repo.mkdir()
    if case.build is not None:
        case.build(repo, outside)
    return repo, outside


def _run(repo: Path, outside: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {
        **os.environ,
        "PATH": f"{outside / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOSTILE_MARKERS": str(outside / "markers"),
        "HOME": str(outside / "home"),
        "XDG_CONFIG_HOME": str(outside / "config"),
        "KUSTOMIZE_PLUGIN_HOME": str(outside / "plugins"),
        "NO_COLOR": "1",
    }
    env.pop("GITOPS_ML_DEBUG", None)
    started = time.monotonic()
    proc = subprocess.run(
        [GITOPS_ML, "lint", "--format", "json", "."],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return proc, time.monotonic() - started


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_repository(
    case: Case, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    repo, outside = _materialize(case, tmp_path)
    before = _snapshot(repo)

    proc, elapsed = _run(repo, outside)
    record_property("elapsed_seconds", round(elapsed, 3))

    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode in case.exit_codes, proc.stderr
    assert _snapshot(repo) == before, "the run wrote into the repository"
    assert list((outside / "markers").iterdir()) == [], "the run executed something it names"
    if proc.returncode == 2:
        sentence = proc.stderr.strip()
        assert sentence.count("\n") == 0 and sentence, proc.stderr
        assert case.message in sentence
        return
    report = json.loads(proc.stdout)
    fired = {f["rule"] for f in report["findings"]}
    assert case.rules <= fired, report["findings"]
    for text in case.absent:
        assert not any(text in json.dumps(f) for f in report["findings"]), report["findings"]


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("runs as root: chmod 000 does not stop root from reading a file")
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    (outside / "markers").mkdir(parents=True)
    _write(repo / "kustomization.yaml", "resources:\n- cm.yaml\n")
    _write(repo / "cm.yaml", CM.format(name="a"))
    (repo / "cm.yaml").chmod(0)
    proc, _ = _run(repo, outside)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 1
