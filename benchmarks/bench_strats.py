"""Measure `dealdocs strats`, `validate` and `render` on a million-loan tape, and `dealdocs --help` start-up.

    python benchmarks/synth_tape.py            # once: benchmarks/data/synth-1m/
    python benchmarks/bench_strats.py [--runs 3]

Each command runs as a subprocess under /usr/bin/time -v (else a getrusage(RUSAGE_CHILDREN) wrapper)
for wall time and peak RSS.
Targets on the 2-core reference machine: strats under 5 s and 2 GB; --help under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEAL = ROOT / "benchmarks" / "data" / "synth-1m" / "deal.yaml"
DEALDOCS = shutil.which("dealdocs") or str(Path(sys.executable).parent / "dealdocs")


TIME = Path("/usr/bin/time")
# Without GNU time: a fresh interpreter runs the command, so its RUSAGE_CHILDREN peak is that command's alone.
RUSAGE = (
    "import resource, subprocess, sys, time; "
    "start = time.perf_counter(); "
    "done = subprocess.run(sys.argv[1:], capture_output=True); "
    "wall = time.perf_counter() - start; "
    "sys.stderr.write(done.stderr.decode(errors='replace')[-2000:]); "
    "print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(done.returncode)"
)


def measure(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident megabytes of one run (under /usr/bin/time -v, else getrusage)."""
    wrapper = [str(TIME), "-v"] if TIME.is_file() else [sys.executable, "-c", RUSAGE]
    start = time.perf_counter()
    done = subprocess.run([*wrapper, *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    if TIME.is_file():
        peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    else:  # the wrapper's own timing leaves out its interpreter's start-up
        wall_text, peak_text = done.stderr.split()[-2:]
        wall, peak_kb = float(wall_text), int(peak_text)  # ru_maxrss is in kilobytes on Linux
    return wall, peak_kb / 1024


def busy_cpus(seconds: float = 1.0) -> float:
    """CPUs in use by other processes over a short window (from /proc/stat; the load average where there is none)."""
    stat = Path("/proc/stat")
    if not stat.is_file():
        return os.getloadavg()[0]

    def sample() -> tuple[int, int]:
        ticks = [int(t) for t in stat.read_text().split("\n", 1)[0].split()[1:]]
        return ticks[3] + ticks[4], sum(ticks)  # idle + iowait, all

    idle0, all0 = sample()
    time.sleep(seconds)
    idle1, all1 = sample()
    return (os.cpu_count() or 1) * (1 - (idle1 - idle0) / max(all1 - all0, 1))


def row(name: str, runs: list[tuple[float, float]], target: str) -> str:
    walls = [w for w, _ in runs]
    peak = max(p for _, p in runs)
    return f"| {name} | {min(walls):.2f} s | {statistics.median(walls):.2f} s | {peak:,.0f} MB | {target} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--deal", type=Path, default=DEAL)
    args = parser.parse_args()
    if not args.deal.is_file():
        raise SystemExit(f"{args.deal} not found: run benchmarks/synth_tape.py first")
    out = Path(tempfile.mkdtemp())
    commands = {
        "`dealdocs strats` (1M-loan CSV, json)": ([DEALDOCS, "strats", str(args.deal), "--format", "json", "--out", str(out / "s.json")], "< 5 s, < 2 GB"),
        "`dealdocs validate` (1M-loan CSV)": ([DEALDOCS, "validate", str(args.deal)], ""),
        "`dealdocs render` (1M-loan CSV, txt)": ([DEALDOCS, "render", str(args.deal), "--out", str(out), "--format", "txt"], ""),
    }
    print(f"{os.cpu_count()} CPUs, {busy_cpus():.2f} busy with other work before the runs")
    print("| command | min wall | median wall | peak RSS | target |")
    print("|---|---|---|---|---|")
    for name, (cmd, target) in commands.items():
        print(row(name, [measure(cmd) for _ in range(args.runs)], target), flush=True)
    print(row("`dealdocs --help`", [measure([DEALDOCS, "--help"]) for _ in range(10)], "< 0.5 s"))
    shutil.rmtree(out)
    print(f"{busy_cpus():.2f} CPUs busy with other work after the runs (anything above ~0.1 slows the figures)")


if __name__ == "__main__":
    main()
