"""Two gitops-ml commands on one repository, interleaved: before vs after a change.

``run.py`` times one command; on a shared machine two separate runs see
different loads. This alternates the two commands round by round (order
swapped every round), cold (``GITOPS_ML_CACHE_DIR=off``) and warm (a primed
cache per command), and prints medians of wall and CPU time (user + system of
the child, from ``os.wait4``) with the after/before ratios.

    python benchmarks/generate.py /tmp/repo --models 100 --envs dev,staging,prod --seed 0
    python benchmarks/compare.py /tmp/repo --before OLD/.venv/bin/gitops-ml \\
        --after .venv/bin/gitops-ml --rounds 6
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

MODES = ("cold", "warm")


def _run(cmd: list[str], repo: Path, cache: str) -> tuple[float, float]:
    env = {**os.environ, "GITOPS_ML_CACHE_DIR": cache}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, "lint", str(repo), "--format", "json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{shlex.join(cmd)} lint exited {code}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--before", required=True, help="the gitops-ml command before the change")
    parser.add_argument("--after", required=True, help="the gitops-ml command after the change")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    cmds = {"before": shlex.split(args.before), "after": shlex.split(args.after)}
    wall: dict[tuple[str, str], list[float]] = {(v, m): [] for v in cmds for m in MODES}
    cpu: dict[tuple[str, str], list[float]] = {(v, m): [] for v in cmds for m in MODES}
    with tempfile.TemporaryDirectory(prefix="gitops-ml-compare-") as tmp:
        caches = {v: str(Path(tmp) / v) for v in cmds}
        for v, cmd in cmds.items():
            _run(cmd, args.repo, caches[v])  # prime the warm cache
        for i in range(args.rounds):
            order = list(cmds) if i % 2 == 0 else list(reversed(cmds))
            for mode in MODES:
                for v in order:
                    w, c = _run(cmds[v], args.repo, "off" if mode == "cold" else caches[v])
                    wall[(v, mode)].append(w)
                    cpu[(v, mode)].append(c)
            print(f"round {i + 1}/{args.rounds}, load {os.getloadavg()[0]:.1f}", flush=True)
    print("| mode | before wall s | after wall s | ratio | before CPU s | after CPU s | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for mode in MODES:
        bw, aw = (statistics.median(wall[(v, mode)]) for v in ("before", "after"))
        bc, ac = (statistics.median(cpu[(v, mode)]) for v in ("before", "after"))
        print(
            f"| {mode} | {bw:.3f} | {aw:.3f} | {aw / bw:.3f} | {bc:.3f} | {ac:.3f} | {ac / bc:.3f} |"
        )


if __name__ == "__main__":
    main()
