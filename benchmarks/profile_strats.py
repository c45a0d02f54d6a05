"""Where `dealdocs strats` spends its time: each stage of the pipeline timed in-process.

    python benchmarks/profile_strats.py [--deal benchmarks/data/synth-1m/deal.yaml] [--runs 3] [--stages]

The stages are the library's own functions called in the order `strats` calls them
(load_deal -> read_raw -> validate -> compute_tables -> summarize -> to_json), each timed
on its own; the inner steps of read_raw and validate are re-timed separately (`--stages`)
so that a regression can be pinned on one expression. Import time is measured apart:
`python -X importtime -m generator.cli --help`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEAL = ROOT / "benchmarks" / "data" / "synth-1m" / "deal.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deal", type=Path, default=DEAL)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="also time the inner steps of read_raw and validate")
    args = parser.parse_args()

    start = time.perf_counter()
    import polars as pl

    from generator.api import PoolAnalysis, labelled, load_deal, resolve_tables, summarize, tape_path, term_sheet_of, to_json
    from generator.pool import derived, parsing, reading, row_checks, tape  # their inner steps, timed one by one (--stages)
    from generator.pool.groups import grouped_tables
    from generator.pool.pool_data import pool_data

    print(f"imports: {time.perf_counter() - start:.3f} s (polars threads: {pl.thread_pool_size()})")
    times: dict[str, list[float]] = defaultdict(list)

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        t = time.perf_counter()
        result = fn()
        times[name].append(time.perf_counter() - t)
        return result

    # Each lambda binds what it uses as default arguments: the value of this run, not of the last.
    for _ in range(args.runs):
        loaded = timed("load_deal (YAML + pydantic)", lambda: load_deal(args.deal))
        ts = term_sheet_of(loaded)
        pool, cut_off, path = ts.pool, ts.cut_off_date, tape_path(loaded)
        if args.stages:
            frame, rows, _ = timed("  read_raw: pl.read_csv (all text), with _lines_in", lambda path=path: reading._read_frame(path, None, "%Y-%m-%d", set()))
            timed("  read_raw: _lines_in (newline count)", lambda path=path: reading._lines_in(path))
            mapping = {f: h for f, h in pool.headers().items() if h is not None}
            edged = timed("  read_raw: _edged (edge whitespace)", lambda frame=frame, mapping=mapping: reading._edged(frame, mapping.values()))
            timed("  read_raw: strip those, blanks to null", lambda frame=frame, rows=rows, mapping=mapping, edged=edged: frame.select(
                rows.alias("_row"), *(reading._trimmed(pl.col(h), e).alias(f) for (f, h), e in zip(mapping.items(), edged, strict=True))
            ))
        raw = timed("read_raw (total)", lambda path=path, pool=pool: tape.read_raw(path, pool))
        if args.stages:
            parsed = timed("  validate: _parse", lambda raw=raw, pool=pool: parsing.parse(raw, pool))
            loans = timed("  validate: _derive", lambda parsed=parsed, pool=pool, cut_off=cut_off: derived.derive(parsed, pool, cut_off))
            first = timed("  validate: _first_row over(loan_number)", lambda raw=raw: raw.select(_first_row=pl.col("_row").min().over("loan_number")))
            work = timed("  validate: concat + rechunk", lambda raw=raw, loans=loans, first=first: pl.concat(
                [raw.drop("_row").rename(row_checks.raw_name), loans, first], how="horizontal"
            ).rechunk())
            rules = tape._rules(raw, pool, cut_off)
            timed(f"  validate: count {len(rules)} rules (one select)", lambda work=work, rules=rules: work.select(
                c.fill_null(False).sum().alias(str(i)) for i, (_, _, c, _) in enumerate(rules)
            ).row(0))
        loans, problems = timed("validate (total)", lambda raw=raw, pool=pool, cut_off=cut_off: tape.validate(raw, pool, cut_off))
        report = tape.TapeReport(path, loans, problems)
        specs = resolve_tables(pool.tables)
        keyed = timed(f"grouped_tables ({len(specs)} specs)", lambda loans=loans, pool=pool, specs=specs: grouped_tables(loans, specs, pool.groups))
        tables = timed("labelled", lambda keyed=keyed: labelled(keyed))
        block = timed("pool_data", lambda loans=loans, pool=pool: pool_data(loans, pool))
        summary = timed("summarize", lambda loans=loans, pool=pool: summarize(loans, pool))
        timed("export.to_json", lambda r=report, s=summary, t=tables, b=block: to_json(PoolAnalysis(r, s, t, b)))
    print(f"\n{args.runs} runs on {args.deal} ({loans.height:,} loans); median seconds\n")
    print("| stage | median | min |")
    print("|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values):.3f} | {min(values):.3f} |")
    top = [n for n in times if not n.startswith("  ")]
    print(f"| **sum of stages** | {sum(statistics.median(times[n]) for n in top):.3f} | |")


if __name__ == "__main__":
    main()
