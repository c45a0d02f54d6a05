"""Measure `dealdocs strats`, `validate` and `render` on a million-loan tape, and `dealdocs --help` start-up.

    python benchmarks/synth_tape.py            # once: benchmarks/data/synth-1m/
    python benchmarks/bench_strats.py [--runs 3]

Each command runs as a subprocess under /usr/bin/time -v for wall time and peak RSS.
Targets on the 2-core reference machine: strats under 5 s and 2 GB; --help under 0.5 s.
"""

from __future__ import annotations

import argparse
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


def measure(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident megabytes of one run."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return wall, peak_kb / 1024


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
    print("| command | min wall | median wall | peak RSS | target |")
    print("|---|---|---|---|---|")
    for name, (cmd, target) in commands.items():
        print(row(name, [measure(cmd) for _ in range(args.runs)], target), flush=True)
    print(row("`dealdocs --help`", [measure([DEALDOCS, "--help"]) for _ in range(10)], "< 0.5 s"))
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
