"""Where `dealdocs strats` spends its time: each stage of the pipeline timed in-process.

    python benchmarks/profile_strats.py [--deal benchmarks/data/synth-1m/deal.yaml] [--runs 3] [--stages]

The stages are the library's own functions called in the order `strats` calls them
(load_deal -> read_raw -> validate -> rechunk -> tables -> pool data -> summarize -> to_json), each
timed on its own, in wall and CPU seconds (CPU: all threads; on a shared machine the wall
time grows with the load, the CPU time much less). `--stages` also re-times the inner steps
of read_raw and validate one by one, as they call them, so that a regression can be pinned
on one expression. Start-up is measured apart, on a small tape (the command imports its
modules only when it runs): `python -X importtime -m generator.cli strats DEAL -f json -o OUT`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEAL = ROOT / "benchmarks" / "data" / "synth-1m" / "deal.yaml"
sys.path.insert(0, str(ROOT))  # this checkout's code, not whichever dealdocs is installed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deal", type=Path, default=DEAL)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="also time the inner steps of read_raw and validate")
    args = parser.parse_args()

    start = time.perf_counter()
    import polars as pl

    from generator.api import PoolAnalysis, labelled, load_deal, resolve_tables, summarize, tape_path, term_sheet_of, to_json
    from generator.pool import parsing, reading, tape
    from generator.pool.groups import grouped_tables
    from generator.pool.pool_data import pool_data

    print(f"imports: {time.perf_counter() - start:.3f} s (polars threads: {pl.thread_pool_size()})")
    times: dict[str, list[tuple[float, float]]] = defaultdict(list)

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
        return result

    # Each lambda binds what it uses as default arguments: the value of this run, not of the last.
    for _ in range(args.runs):
        loaded = timed("load_deal (YAML + pydantic)", lambda: load_deal(args.deal))
        ts = term_sheet_of(loaded)
        pool, cut_off, path = ts.pool, ts.cut_off_date, tape_path(loaded)
        if args.stages:
            _inner_steps(timed, pool, cut_off, path)
        raw, good = timed("read_raw (total)", lambda path=path, pool=pool: reading.read_raw(path, pool))
        loans, problems = timed("validate (total)", lambda raw=raw, pool=pool, cut_off=cut_off, good=good: tape.validate(raw, pool, cut_off, good))
        loans = timed("load_tape: the loans in one chunk per column", lambda loans=loans: loans.rechunk())
        report = tape.TapeReport(path, loans, problems)
        specs = resolve_tables(pool.tables)
        keyed = timed(f"grouped_tables ({len(specs)} specs)", lambda loans=loans, pool=pool, specs=specs: grouped_tables(loans, specs, pool.groups))
        tables = timed("labelled", lambda keyed=keyed: labelled(keyed))
        block = timed("pool_data", lambda loans=loans, pool=pool: pool_data(loans, pool))
        summary = timed("summarize", lambda loans=loans, pool=pool: summarize(loans, pool))
        timed("export.to_json", lambda r=report, s=summary, t=tables, b=block: to_json(PoolAnalysis(r, s, t, b)))
    print(f"\n{args.runs} runs on {args.deal} ({loans.height:,} loans, {len(good)} of {len(parsing.fields_of(raw))} columns proven); seconds\n")
    print("| stage | median wall | min wall | median CPU |")
    print("|---|---|---|---|")
    for name, values in times.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        print(f"| {name} | {statistics.median(walls):.3f} | {min(walls):.3f} | {statistics.median(cpus):.3f} |")
    top = [n for n in times if not n.startswith("  ")]
    print(f"| **sum of stages** | {sum(statistics.median(w for w, _ in times[n]) for n in top):.3f} | | |")


def _inner_steps(timed: Callable[[str, Callable[[], Any]], Any], pool: Any, cut_off: Any, path: Path) -> None:
    """The inner steps of read_raw and validate on a CSV tape, each timed as they run them (same expressions, same order)."""
    import polars as pl

    from generator.fields import Kind
    from generator.pool import derived, file_faults, parsing, reading, tape

    mapping = {f: h for f, h in pool.headers().items() if h is not None}
    dates = {h for f, h in mapping.items() if pool.registry[f].kind is Kind.DATE}
    args = (path, None, pool.tape_options.date_format, set(mapping.values()), dates)
    frame, rows, _ = timed("  read_raw: pl.read_csv (all text), with the search for a quote", lambda: reading._read_frame(*args))
    timed("  read_raw: has_quote (the search alone; the newline count only after a hit)", lambda: file_faults.has_quote(path))
    good = timed("  read_raw: proven (one anchored pattern or code list per column, one select)", lambda: parsing.proven(frame, mapping, pool))
    rest = {f: h for f, h in mapping.items() if f not in good}
    edges = dict(zip(rest, timed(f"  read_raw: _edged ({len(rest)} unproven columns)", lambda: reading._edged(frame, rest.values())), strict=True))
    timed("  read_raw: select, unproven columns stripped, blanks to null", lambda: frame.select(
        rows.alias("_row"), *((pl.col(h) if f in good else reading._trimmed(pl.col(h), edges[f])).alias(f) for f, h in mapping.items())
    ))  # fmt: skip
    raw, good = reading.read_raw(path, pool)
    parsed = timed("  validate: parse (proven columns: conversion only)", lambda: parsing.parse(raw, pool, good))
    loans = timed("  validate: derive", lambda: derived.derive(parsed, pool, cut_off))
    unique = timed("  validate: loan numbers unique? (their hashes, else counted)", lambda: tape._unique(raw["loan_number"]))
    first = [] if unique else [timed("  validate: first row of each loan number", lambda: raw.select(_first_row=pl.col("_row").min().over("loan_number")))]
    work = timed("  validate: text and values side by side", lambda: pl.concat([raw.drop("_row").rename(parsing.raw_name), loans, *first], how="horizontal"))
    rules = tape._rules(raw, pool, cut_off, unique)
    counts = timed(f"  validate: count {len(rules)} rules (one select)", lambda: work.select(
        c.fill_null(False).sum().alias(str(i)) for i, (_, _, c, _) in enumerate(rules)
    ).row(0))  # fmt: skip
    broken = [(rule[2].fill_null(False), tape._listing(rule, pool.headers())) for rule, count in zip(rules, counts, strict=True) if count]
    timed(f"  validate: the rows of the {len(broken)} broken rules", lambda: [tape._broken_rows(work, when, listing) for when, listing in broken])


if __name__ == "__main__":
    main()
