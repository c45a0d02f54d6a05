"""Measure `dealdocs compare-tapes` on two 1,000,000-loan tapes: wall time and peak memory.

    python benchmarks/synth_tape.py                          # once: benchmarks/data/synth-1m/ (the old tape)
    python benchmarks/synth_tape.py --layout prime-jumbo     # once: benchmarks/data/synth-1m-pj/
    python benchmarks/bench_compare_tapes.py [--layout cmsi|prime-jumbo] [--runs 3]

The new tape is the old one as a lender's next tape looks (seeded, written beside it as
`loans-new.csv` the first time): 1% of the loans dropped, 1% added (copies of others under new
loan numbers), 2% changed (another loan's state and note rate). The command runs as
`bench_strats.py` runs its commands (a subprocess under /usr/bin/time -v, or a getrusage
wrapper), writing the full JSON report. Targets on the 2-core reference machine: under 10 s
and 2 GB.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_strats import DEAL, DEALDOCS, JUMBO, busy_cpus, measure  # the same runner, in a subprocess

HEADERS = {"cmsi": ("LOAN_NO", "STATE", "NOTE_RATE"), "prime-jumbo": ("LN_ID", "PROP_ST", "CURR_RATE")}


def new_tape(old: Path, layout: str, seed: int = 19) -> Path:
    """The old tape with 1% of its loans dropped, 1% added and 2% changed (state and note rate of another loan), seeded."""
    path = old.with_name("loans-new.csv")
    if path.is_file():
        return path
    loan, state, rate = HEADERS[layout]
    frame = pl.read_csv(old, infer_schema=False)
    n = frame.height
    draw = pl.Series(range(n)).shuffle(seed)
    dropped, changed = set(draw[: n // 100].to_list()), draw[n // 100 : n // 100 + n // 50]
    donors = changed.shuffle(seed + 1)
    edited = frame.with_columns(
        pl.Series(state, frame[state].scatter(changed, frame[state].gather(donors))),
        pl.Series(rate, frame[rate].scatter(changed, frame[rate].gather(donors))),
    )
    kept = edited.with_row_index("_i").filter(~pl.col("_i").is_in(list(dropped))).drop("_i")
    added = frame.sample(n // 100, seed=seed).with_columns((pl.lit("N") + pl.int_range(pl.len()).cast(pl.String).str.zfill(9)).alias(loan))
    pl.concat([kept, added]).write_csv(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", choices=sorted(HEADERS), default="cmsi")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    deal = JUMBO if args.layout == "prime-jumbo" else DEAL
    old = deal.parent / "loans.csv"
    if not old.is_file():
        raise SystemExit(f"{old} not found: run benchmarks/synth_tape.py{' --layout prime-jumbo' if args.layout == 'prime-jumbo' else ''} first")
    new = new_tape(old, args.layout)
    print(f"CPUs busy with other work before: {busy_cpus():.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        command = [DEALDOCS, "-m", "generator.cli", "compare-tapes", str(deal), str(old), str(new), "-f", "json", "-o", f"{tmp}/c.json"]
        runs = [measure(command) for _ in range(args.runs)]
        report = Path(tmp, "c.json").stat().st_size
    print(f"CPUs busy with other work after: {busy_cpus():.2f}")
    walls = [run.wall for run in runs]
    print("| command | min wall | median wall | median CPU | peak RSS |\n|---|---|---|---|---|")
    print(
        f"| `dealdocs compare-tapes`, {args.layout} set, 2 x 1M loans | {min(walls):.2f} s | {statistics.median(walls):.2f} s"
        f" | {statistics.median(run.cpu for run in runs):.2f} s | {max(run.peak for run in runs):,.0f} MB |"
    )
    print(f"JSON report: {report / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
