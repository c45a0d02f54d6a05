"""Batch throughput: 100 synthetic deals (1,000-loan tapes each, every document, every format)
rendered with --jobs 1 and --jobs 2; reports wall time, deals per minute and the speed-up.

    python benchmarks/bench_batch.py [--deals 100] [--loans 1000]

Target on the 2-core reference machine: a speed-up of at least 1.7 with two jobs.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synth_tape import synthesise, write_deal

DEALDOCS = shutil.which("dealdocs") or str(Path(sys.executable).parent / "dealdocs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100)
    parser.add_argument("--loans", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dealdocs-batch-"))
    for n in range(args.deals):
        folder = work / "deals" / f"synth-{n:03d}"
        folder.mkdir(parents=True)
        synthesise(args.loans, seed=n).write_csv(folder / "loans.csv")
        write_deal(folder, "loans.csv")
    times = {}
    for jobs in (1, 2):
        out = work / f"out-{jobs}"
        start = time.perf_counter()
        done = subprocess.run([DEALDOCS, "batch", str(work / "deals"), "--out", str(out), "--jobs", str(jobs)], capture_output=True, text=True)
        times[jobs] = time.perf_counter() - start
        if done.returncode:
            raise SystemExit(done.stdout[-3000:] + done.stderr[-3000:])
    print("| jobs | wall | deals per minute |")
    print("|---|---|---|")
    for jobs, seconds in times.items():
        print(f"| {jobs} | {seconds:.1f} s | {args.deals / seconds * 60:.0f} |")
    print(f"\nspeed-up with 2 jobs: {times[1] / times[2]:.2f} ({args.deals} deals of {args.loans:,} loans, txt+docx+pdf)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
