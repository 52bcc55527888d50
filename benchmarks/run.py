"""Benchmark gitops-ml against its floor and against the alternatives.

Generates synthetic repositories (see generate.py) into a temporary folder, then
times whole processes (start-up included, as a user or CI sees them). Commands
are interleaved round by round, and the order is rotated every round, so that
drift in a noisy machine is spread over all rows instead of biasing one. Each
row reports the median wall time; peak RSS comes from ``os.wait4`` on each child
(Linux includes the child's waited-for descendants in that figure, as a maximum,
not a sum).

A command that fails is reported with its exit code and the tail of its stderr;
the runner never crashes on it and never invents a number.

Usage::

    python benchmarks/run.py [--models 100] [--rounds 5] [--out benchmarks/results/latest.json]
                             [--skip-alternatives] [--rounds-alt 1] [--big-models 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

ENVS = ["dev", "staging", "prod"]
ALT_VENV = HERE / ".venv-alt"
OK_LINT = frozenset({0, 1})  # 1 = findings at or above the threshold; both are a finished lint
OK_ZERO = frozenset({0})

# Builds every leaf kustomization one after another in one process: the floor
# that an in-process lint built on the same engine has to approach.
FLOOR_SCRIPT = r"""
import json, sys
from pathlib import Path
from pykustomize._ffi import check_error, ffi, get_library, string_from_c
from pykustomize.build import BuildOptions

root = Path(sys.argv[1])
dirs = sorted(root.glob("models/*/overlays/*")) + sorted(root.glob("clusters/*"))
lib = get_library()
opts = ffi.new("char[]", BuildOptions().to_json().encode())
objects = 0
for d in dirs:
    out = ffi.new("char**")
    check_error(lib.pykustomize_build_to_json(ffi.new("char[]", str(d).encode()), opts, out))
    objects += len(json.loads(string_from_c(out[0])).get("resources", []))
print(f"{len(dirs)} kustomizations, {objects} objects")
"""

# Alternative 1: what a team scripts without gitops-ml: the kubectl binary renders
# each overlay, the kubernetes-validate CLI checks each rendered file (every object
# in it, strict, Kubernetes 1.33). CRD kinds get only a "no schema" warning there.
ALT_KUBECTL_SCRIPT = r"""
import subprocess, sys, tempfile
from pathlib import Path

root, kubectl, validate = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
dirs = sorted(root.glob("models/*/overlays/*")) + sorted(root.glob("clusters/*"))
failed = 0
with tempfile.TemporaryDirectory() as tmp:
    for i, d in enumerate(dirs):
        out = Path(tmp) / f"{i}.yaml"
        with out.open("wb") as fh:
            if subprocess.run([kubectl, "kustomize", str(d)], stdout=fh).returncode:
                failed += 1
                continue
        args = [validate, "-k", "1.33", "--strict", "--quiet", str(out)]
        if subprocess.run(args, stdout=subprocess.DEVNULL).returncode:
            failed += 1
print(f"{len(dirs)} kustomizations, {failed} failed")
sys.exit(1 if failed else 0)
"""


@dataclass
class Sample:
    wall: float
    rc: int
    max_rss_mb: float
    stderr_tail: str = ""
    stdout: bytes = b""
    crashed: bool = False  # a Python traceback: exit 1 from a crash is not "findings"


@dataclass
class Row:
    key: str
    what: str
    ok_codes: frozenset[int]
    make_cmd: Callable[[int], list[str]] | None
    cwd: Path | None = None
    env: dict[str, str] | None = None
    target_s: float | None = None
    rounds: int = 0
    before: Callable[[int], None] | None = None
    check: Callable[[Sample], str | None] | None = None
    unavailable: str | None = None
    samples: list[Sample] = field(default_factory=list)
    failures: list[Sample] = field(default_factory=list)
    commands: list[list[str]] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        if not self.samples:
            return None
        return statistics.median(s.wall for s in self.samples)

    @property
    def max_rss_mb(self) -> float | None:
        if not self.samples:
            return None
        return max(s.max_rss_mb for s in self.samples)


def run_child(cmd: list[str], cwd: Path | None, env: dict[str, str] | None) -> Sample:
    """Run one command; wall time and peak RSS of this child alone (os.wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(
                cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )
        except OSError as exc:
            return Sample(0.0, 127, 0.0, f"could not start: {exc}")
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        stdout = out.read()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    lines = stderr.strip().splitlines()[-8:]
    crashed = "Traceback (most recent call last)" in stderr
    return Sample(wall, proc.returncode, usage.ru_maxrss / 1024, "\n".join(lines), stdout, crashed)


def json_output(sample: Sample) -> str | None:
    """Check for `--format json` rows: a finished lint prints one JSON document."""
    try:
        json.loads(sample.stdout)
    except ValueError:
        head = sample.stdout[:120].decode("utf-8", "replace")
        return f"stdout is not JSON: {head!r}"
    return None


def gitops_ml_cmd() -> tuple[list[str], dict[str, str]]:
    """The gitops-ml command of this checkout, and the environment to run it in."""
    env = dict(os.environ)
    override = env.get("GITOPS_ML_CMD")
    if override:  # e.g. another installed version: GITOPS_ML_CMD="/opt/old/bin/gitops-ml"
        return shlex.split(override), env
    script = Path(sys.executable).parent / "gitops-ml"
    if script.exists():
        return [str(script)], env
    found = shutil.which("gitops-ml")
    if found:
        return [found], env
    # Not installed: run the checkout's package directly.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), env.get("PYTHONPATH")]))
    return [sys.executable, "-c", "from gitops_ml.cli import main; main()"], env


def tool_path(name: str) -> str | None:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def ensure_checkov(log: list[str]) -> str | None:
    """checkov in its own venv (its dependencies must not touch ours); None if unavailable."""
    exe = ALT_VENV / "bin" / "checkov"
    if exe.exists():
        return str(exe)
    print(f"installing checkov into {ALT_VENV} (one-off) ...", flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(ALT_VENV)],
        [str(ALT_VENV / "bin" / "python"), "-m", "pip", "install", "-q", "checkov"],
    ]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True)
        if proc.returncode:
            tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
            log.append(f"checkov installation failed (exit {proc.returncode}): {tail}")
            return None
    return str(exe) if exe.exists() else None


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def prepare_repo(path: Path, models: int) -> Path:
    generate(path, models, ENVS, seed=0)
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "synthetic repository")
    return path


def fmt_s(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def build_rows(args: argparse.Namespace, tmp: Path, log: list[str]) -> list[Row]:
    gml, gml_env = gitops_ml_cmd()
    print(f"generating {args.models} models x {len(ENVS)} envs ...", flush=True)
    repo = prepare_repo(tmp / f"repo-{args.models}", args.models)
    one_model = sorted((repo / "models").iterdir())[0].name
    one_file = Path("models") / one_model / "overlays" / "prod" / "kustomization.yaml"
    rows: list[Row] = []

    cold_env = {**gml_env, "GITOPS_ML_CACHE_DIR": "off"}
    warm_env = {**gml_env, "GITOPS_ML_CACHE_DIR": str(tmp / "cache-warm")}
    rows.append(
        Row(
            "lint",
            f"`gitops-ml lint` full, {args.models} models x {len(ENVS)} envs, no cache (cold)",
            OK_LINT,
            lambda i: [*gml, "lint", str(repo), "--format", "json"],
            env=cold_env,
            rounds=args.rounds,
            check=json_output,
        )
    )
    rows.append(
        Row(
            "lint_warm",
            "`gitops-ml lint` full again, nothing changed (warm cache)",
            OK_LINT,
            lambda i: [*gml, "lint", str(repo), "--format", "json"],
            env=warm_env,
            rounds=args.rounds,
            check=json_output,
        )
    )
    rows.append(
        Row(
            "status_warm",
            "`gitops-ml status` of every model x environment, warm cache (target: a warm lint)",
            OK_ZERO,
            lambda i: [*gml, "status", "-C", str(repo), "--format", "json"],
            env=warm_env,
            rounds=args.rounds,
        )
    )
    rows.append(
        Row(
            "floor",
            "floor: sequential in-process pykustomize builds",
            OK_ZERO,
            lambda i: [sys.executable, "-c", FLOOR_SCRIPT, str(repo)],
            rounds=args.rounds,
        )
    )
    if not args.skip_alternatives:
        kubectl, validate = tool_path("kubectl"), tool_path("kubernetes-validate")
        alt1 = Row(
            "alt_kubectl_validate",
            "alt 1: `kubectl kustomize` + `kubernetes-validate --strict` per overlay",
            OK_ZERO,
            None,
            rounds=args.rounds_alt,
        )
        if kubectl and validate:
            alt1.make_cmd = lambda i: [
                sys.executable,
                "-c",
                ALT_KUBECTL_SCRIPT,
                str(repo),
                str(kubectl),
                str(validate),
            ]
        else:
            alt1.unavailable = "kubectl or kubernetes-validate not found"
        rows.append(alt1)
        alt2 = Row(
            "alt_checkov",
            "alt 2: `checkov -d REPO --framework kustomize`",
            OK_LINT,  # 1 = failed checks, a finished scan
            None,
            rounds=args.rounds_alt,
        )
        checkov = ensure_checkov(log)
        if checkov:
            env = dict(os.environ)
            # checkov's kustomize runner shells out to kubectl/kustomize; never reach the network.
            env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
            env["BC_SKIP_MAPPING"] = "TRUE"
            alt2.env = env
            alt2.make_cmd = lambda i: [
                checkov,
                "-d",
                str(repo),
                "--framework",
                "kustomize",
                "--quiet",
                "--skip-download",
            ]
        else:
            alt2.unavailable = "checkov could not be installed (see notes)"
        rows.append(alt2)

    def touch(i: int) -> None:
        # a real edit: this overlay's parse and render are not in the cache
        with (repo / one_file).open("a", encoding="utf-8") as handle:
            handle.write(f"# benchmark edit {i}\n")

    rows.append(
        Row(
            "one_file",
            "pre-commit: `gitops-ml lint` one overlay file",
            OK_LINT,
            lambda i: [*gml, "lint", str(one_file)],
            cwd=repo,
            env=warm_env,
            target_s=0.5,
            rounds=args.rounds,
            before=touch,
        )
    )
    rows.append(
        Row(
            "version",
            "`gitops-ml --version`",
            OK_ZERO,
            lambda i: [*gml, "--version"],
            env=gml_env,
            target_s=0.15,
            rounds=args.rounds,
        )
    )
    new_repo = prepare_repo(tmp / "repo-new-model", args.models)
    new_model = Row(
        "new_model",
        "`gitops-ml new-model` (sklearn, kserve, no training)",
        OK_ZERO,
        lambda i: [
            *gml,
            "new-model",
            f"benchrun-{i}",
            "--framework",
            "sklearn",
            "--serving",
            "kserve",
            "--training",
            "none",
            "--storage-uri",
            "s3://models/x/v1",
            "--repo",
            str(new_repo),
            "--no-commit",
        ],
        env=gml_env,
        target_s=1.5,
        rounds=args.rounds,
    )
    probe = run_child([*gml, "new-model", "--help"], None, gml_env)
    if probe.rc != 0 or probe.crashed:
        last = probe.stderr_tail.strip().splitlines()[-1:] or [""]
        new_model.unavailable = f"`new-model --help` exited {probe.rc}: {last[0][:200]}"
    rows.append(new_model)

    if args.big_models > 0:
        print(f"generating {args.big_models} models x {len(ENVS)} envs ...", flush=True)
        big = prepare_repo(tmp / f"repo-{args.big_models}", args.big_models)
        rows.append(
            Row(
                "lint_big",
                f"`gitops-ml lint` full, {args.big_models} models x {len(ENVS)} envs",
                OK_LINT,
                lambda i: [*gml, "lint", str(big), "--format", "json"],
                env=cold_env,
                rounds=args.rounds_big,
                check=json_output,
            )
        )
    return rows


def run_rounds(rows: list[Row], rounds: int, warmup: bool) -> None:
    if warmup:
        for row in rows:
            if row.key in {"lint", "lint_warm", "floor", "version", "one_file"} and row.make_cmd:
                run_child(row.make_cmd(-1), row.cwd, row.env)
    for r in range(rounds):
        active = [row for row in rows if row.make_cmd and not row.unavailable and r < row.rounds]
        shift = r % len(active) if active else 0
        for row in active[shift:] + active[:shift]:
            assert row.make_cmd is not None
            if row.before:
                row.before(r)
            cmd = row.make_cmd(r)
            row.commands.append(cmd)
            sample = run_child(cmd, row.cwd, row.env)
            problem = None
            if sample.rc not in row.ok_codes:
                problem = f"exit {sample.rc}"
            elif sample.crashed:
                problem = f"exit {sample.rc} with a traceback"
            elif row.check:
                problem = row.check(sample)
            sample.stdout = b""  # keep memory flat over many rounds
            if problem:
                sample.stderr_tail = f"{problem}\n{sample.stderr_tail}".strip()
                row.failures.append(sample)
            else:
                row.samples.append(sample)
            status = "ok" if not problem else f"FAILED ({problem.splitlines()[0]})"
            print(
                f"  round {r + 1}/{rounds} {row.key:<22} {sample.wall:8.3f} s  {status}", flush=True
            )


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def assess(rows: list[Row], lint_models: int, big_models: int) -> list[dict[str, Any]]:
    by = {row.key: row for row in rows}
    lint = by.get("lint")
    lint_med = lint.median if lint else None
    out: list[dict[str, Any]] = []
    for row in rows:
        med = row.median
        target = "—"
        if row.key == "lint_big":
            target = "≤ 500 MB, ≤ 1.1x linear in models (11x for 100→1,000)"
        elif row.target_s is not None:
            target = f"≤ {row.target_s} s"
        verdict = ""
        rat: float | None = None
        met: bool | None = None
        if row.unavailable:
            verdict = f"unavailable: {row.unavailable}"
        elif med is None:
            last = row.failures[-1] if row.failures else None
            verdict = f"failed (exit {last.rc}, see below)" if last else "not run"
        elif row.key == "floor":
            verdict = "the floor (1.00x)"
        elif row.key in ("lint", "lint_warm"):
            floor = by.get("floor")
            rat = ratio(med, floor.median if floor else None)
            verdict = f"{rat:.2f}x floor" if rat is not None else "floor missing"
        elif row.key == "status_warm":
            warm = by.get("lint_warm")
            rat = ratio(med, warm.median if warm else None)
            met = rat is not None and rat <= 1.0
            verdict = (
                f"{rat:.2f}x warm lint — {'met' if met else 'NOT met'}" if rat else "lint missing"
            )
        elif row.key.startswith("alt_"):
            rat = ratio(med, lint_med)
            verdict = f"{rat:.1f}x cold lint" if rat is not None else "lint missing"
            warm = by.get("lint_warm")
            warm_rat = ratio(med, warm.median if warm else None)
            if warm_rat is not None:
                verdict += f", {warm_rat:.1f}x warm lint"
        elif row.key == "lint_big":
            rss = row.max_rss_mb or 0.0
            rat = ratio(med, lint_med)
            # "within 11x of the 100-model run" for 10x the models: 1.1 x the size ratio.
            allowed = 1.1 * big_models / lint_models if lint_models else None
            met = rss <= 500 and rat is not None and allowed is not None and rat <= allowed
            shown = f"{rat:.1f}x lint" if rat is not None else "lint missing"
            limit = f" (limit {allowed:.1f}x)" if allowed is not None else ""
            verdict = f"{rss:.0f} MB, {shown}{limit} — {'met' if met else 'NOT met'}"
        elif row.target_s is not None:
            met = med <= row.target_s
            verdict = "met" if met else "NOT met"
        if row.failures and med is not None:
            verdict += f" ({len(row.failures)} failed runs)"
        out.append(
            {
                "key": row.key,
                "what": row.what,
                "median_s": med,
                "max_rss_mb": row.max_rss_mb,
                "target": target,
                "ratio": rat,
                "met": met,
                "verdict": verdict,
                "runs": [s.wall for s in row.samples],
                "failures": [
                    {"rc": s.rc, "wall_s": s.wall, "stderr_tail": s.stderr_tail}
                    for s in row.failures
                ],
                "unavailable": row.unavailable,
                "command": row.commands[0] if row.commands else None,
            }
        )
    return out


def markdown(results: list[dict[str, Any]], machine: dict[str, Any], notes: list[str]) -> str:
    lines = [
        f"machine: {machine['nproc']} CPUs ({machine['cpu_model']}), "
        f"Python {machine['python']}, {machine['platform']}",
        "",
        "| what | median s | target | ratio/met |",
        "|---|---|---|---|",
    ]
    for r in results:
        verdict = " ".join(str(r["verdict"]).split()).replace("|", "\\|")
        lines.append(f"| {r['what']} | {fmt_s(r['median_s'])} | {r['target']} | {verdict} |")
    failed = [r for r in results if r["failures"]]
    for r in failed:
        f = r["failures"][-1]
        lines += ["", f"**{r['key']}** failed with exit {f['rc']}; stderr tail:", "```"]
        lines += [f["stderr_tail"] or "(empty)", "```"]
    for note in notes:
        lines += ["", f"note: {note}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--rounds-alt", type=int, default=1, help="rounds for the slow alternatives"
    )
    parser.add_argument("--big-models", type=int, default=1000, help="0 skips the memory row")
    parser.add_argument("--rounds-big", type=int, default=1)
    parser.add_argument("--skip-alternatives", action="store_true")
    parser.add_argument("--no-warmup", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json")
    args = parser.parse_args(argv)
    if args.models < 1 or args.rounds < 1:
        parser.error("--models and --rounds must be at least 1")

    machine = machine_info()
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gitops-ml-bench-") as tmp_name:
        rows = build_rows(args, Path(tmp_name), notes)
        rounds = max(
            [args.rounds, args.rounds_big] + ([] if args.skip_alternatives else [args.rounds_alt])
        )
        run_rounds(rows, rounds, warmup=not args.no_warmup)
    results = assess(rows, args.models, args.big_models)
    report = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine,
        "params": {
            "models": args.models,
            "envs": ENVS,
            "rounds": args.rounds,
            "rounds_alt": None if args.skip_alternatives else args.rounds_alt,
            "big_models": args.big_models,
            "rounds_big": args.rounds_big,
        },
        "rows": results,
        "notes": notes,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print()
    print(markdown(results, machine, notes))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
