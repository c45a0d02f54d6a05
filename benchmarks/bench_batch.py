"""Batch throughput: 100 synthetic deals (1,000-loan tapes each, every document, every format)
rendered with --jobs 1 and --jobs 2; reports wall time, deals per minute and the speed-up.

    python benchmarks/bench_batch.py [--deals 100] [--loans 1000]

Runs this checkout's code (`python -m generator.cli batch`, this folder on PYTHONPATH), not
whichever `dealdocs` is installed. Prints the wall time and the CPU time (user + system, the
workers included) of each run: on a machine other work shares, the CPU time per deal shows
whether two workers cost more than one. Target on the 2-core reference machine: a speed-up of
at least 1.8 with two jobs.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synth_tape import synthesise, write_deal

ROOT = Path(__file__).resolve().parent.parent


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
    times, cpus = {}, {}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for jobs in (1, 2):
        out = work / f"out-{jobs}"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        command = [sys.executable, "-m", "generator.cli", "batch", str(work / "deals"), "--out", str(out), "--jobs", str(jobs)]
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        times[jobs] = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus[jobs] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode:
            raise SystemExit(done.stdout[-3000:] + done.stderr[-3000:])
    print("| jobs | wall | deals per minute | CPU (user+sys) | CPU per deal |")
    print("|---|---|---|---|---|")
    for jobs, seconds in times.items():
        print(f"| {jobs} | {seconds:.1f} s | {args.deals / seconds * 60:.0f} | {cpus[jobs]:.1f} s | {cpus[jobs] / args.deals:.2f} s |")
    print(f"\nspeed-up with 2 jobs: {times[1] / times[2]:.2f} ({args.deals} deals of {args.loans:,} loans, txt+docx+pdf)")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
