"""Measure `dealdocs strats` against two DuckDB yardsticks, and `validate`, `render` and `--help`.

    python benchmarks/synth_tape.py                          # once: benchmarks/data/synth-1m/
    python benchmarks/synth_tape.py --layout prime-jumbo     # once: benchmarks/data/synth-1m-pj/
    python benchmarks/synth_tape.py --loans 5000 --out benchmarks/data/synth-5k  # once
    python benchmarks/bench_strats.py [--runs 5] [--only-side-by-side]

Each command runs as a subprocess under /usr/bin/time -v (else a getrusage(RUSAGE_CHILDREN) wrapper)
for wall time and peak RSS. Side by side, interleaved round by round so that load hits all alike:
the 7-table `strats` on the 1M-loan CMSI tape; the lenient DuckDB yardstick (the CSV read with
DECIMAL casts, which truncate and accept `1e5`, then a group-by per table); the strict one
(`duckdb_strict_sql`: dealdocs' validation, then the same tables in exact integers); the prime-jumbo
table set on its 1M-loan tape; `strats` and the lenient query on a 5,000-loan tape (start-up
included); and the floor under any strats: its start-up on the 875-loan example plus polars
reading the CSV as text. Targets (issue 21): the 7-table set <= 0.75x strict and <= 2.0x lenient,
peak < 1.2 GB; the prime-jumbo set < 2x the 7-table set; 5,000 loans <= 2.5x lenient.
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
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
DEAL = ROOT / "benchmarks" / "data" / "synth-1m" / "deal.yaml"
JUMBO = ROOT / "benchmarks" / "data" / "synth-1m-pj" / "deal.yaml"
SMALL = ROOT / "benchmarks" / "data" / "synth-5k" / "deal.yaml"
STRATS = "`dealdocs strats`, 7-table CMSI set (1M loans)"
BEFORE = "`dealdocs strats`, 7-table CMSI set (1M loans), the code before (--before)"
JUMBO_SET = "`dealdocs strats`, prime-jumbo set (1M loans, 2 groups, 16 tables x 7 columns, cross-tab, pool data)"
LENIENT = "DuckDB lenient: read CSV (DECIMAL casts) + 7 group-bys"
STRICT = "DuckDB strict: dealdocs' validation, then the 7 tables in exact integers"
SMALL_STRATS = "`dealdocs strats` on 5,000 loans (7-table set, start-up included)"
SMALL_LENIENT = "DuckDB lenient on the same 5,000 loans (start-up included)"
START_UP = "`dealdocs strats` on the 875-loan example (start-up, imports)"
TEXT_READ = "polars alone: the 1M-loan CSV read as text (no parse, no check)"
DEALDOCS = sys.executable  # `python -m generator.cli` of this checkout (PYTHONPATH set in measure), not whichever dealdocs is installed
sys.path.insert(0, str(ROOT))  # the SQL is built with this checkout's grammar and deal models


TIME = Path("/usr/bin/time")
# Without GNU time: a fresh interpreter runs the command, so its RUSAGE_CHILDREN peak is that command's alone.
RUSAGE = (
    "import resource, subprocess, sys, time; "
    "start = time.perf_counter(); "
    "done = subprocess.run(sys.argv[1:], capture_output=True); "
    "wall = time.perf_counter() - start; "
    "sys.stderr.write(done.stderr.decode(errors='replace')[-2000:]); "
    "use = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(wall, use.ru_maxrss, use.ru_utime + use.ru_stime, file=sys.stderr); "
    "sys.exit(done.returncode)"
)


class Run(NamedTuple):
    """One run of a command: wall seconds, peak resident megabytes, CPU seconds (user + system, all threads)."""

    wall: float
    peak: float
    cpu: float


def measure(args: list[str], cwd: Path = ROOT) -> Run:
    """One run from checkout `cwd`, under /usr/bin/time -v (else getrusage).

    The CPU seconds say more than the wall time on a loaded machine, where a command's wall
    time is mostly its share of the cores.
    """
    wrapper = [str(TIME), "-v"] if TIME.is_file() else [sys.executable, "-c", RUSAGE]
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(cwd), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([*wrapper, *args], capture_output=True, text=True, check=False, cwd=cwd, env=env)  # `-m` puts the cwd first on sys.path
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    if TIME.is_file():

        def field(label: str) -> float:
            found = re.search(rf"{re.escape(label)}: ([0-9.]+)", done.stderr)
            assert found, f"/usr/bin/time printed no {label}"
            return float(found.group(1))

        peak_kb, cpu = field("Maximum resident set size (kbytes)"), field("User time (seconds)") + field("System time (seconds)")
    else:  # the wrapper's own timing leaves out its interpreter's start-up
        wall_text, peak_text, cpu_text = done.stderr.split()[-3:]
        wall, peak_kb, cpu = float(wall_text), int(peak_text), float(cpu_text)  # ru_maxrss is in kilobytes on Linux
    return Run(wall, peak_kb / 1024, cpu)


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


def tape_of(deal: Path) -> Path:
    """The loan tape a deal file names."""
    from generator.api import load_deal, term_sheet_of

    return (deal.parent / term_sheet_of(load_deal(deal)).pool.tape).resolve()


def duckdb_sql(deal: Path) -> list[str]:
    """The 7-table set as DuckDB SQL over the deal's CSV: the same parse, then a group-by per table.

    Every column dealdocs parses to a number or date is read typed, exactly (money as
    DECIMAL(18,2), percents as DECIMAL(18,3), whole numbers as BIGINT, dates as DATE; codes stay
    text). Bands are counted as `search_sorted` counts them (edges below the value); categories
    group the tape's codes; the LTV table bands the tape's LTV (dealdocs bands the derived
    effective LTV).
    """
    from generator.api import load_deal, resolve_tables, term_sheet_of
    from generator.deal.models import BandsRule, YearlyRule
    from generator.fields import FIELDS, Kind

    pool = term_sheet_of(load_deal(deal)).pool
    headers = {f: h for f, h in pool.columns.model_dump().items() if h is not None}
    tape = tape_of(deal)

    def sql_type(field: str) -> str | None:
        spec = FIELDS[field]
        if spec.kind is Kind.DATE:
            return "DATE"
        if spec.decimals is None:
            return None
        return f"DECIMAL(18,{spec.decimals})" if spec.decimals else "BIGINT"

    typed = ", ".join(f"'{headers[f]}': '{t}'" for f in headers if (t := sql_type(f)))
    read = f"CREATE TEMP TABLE loans AS SELECT * FROM read_csv('{tape}', header=true, all_varchar=true, types={{{typed}}})"
    queries = [read]
    for spec in resolve_tables(pool.tables):
        field = "ltv" if spec.field.value == "effective_ltv" else spec.field.value
        column = f'"{headers[field]}"'
        if isinstance(spec.rule, BandsRule):
            scale = FIELDS[field].decimals or 0
            key = " + ".join(f"({column} > {edge:.{scale}f})::INT" for edge in spec.rule.edges)
        elif isinstance(spec.rule, YearlyRule):
            key = f"year({column})"
        else:
            key = column
        bal = f'"{headers["balance"]}"'
        queries.append(f"SELECT {key} AS k, count(*) AS n, sum({bal}) AS b FROM loans GROUP BY k ORDER BY k")
    return queries


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_outside(column: str, field: str, usual: bool = False) -> str:
    """SQL for a value outside a canonical field's plausible (or usual) range, bounds in the column's integer scale."""
    from generator.fields import FIELDS

    spec = FIELDS[field]
    bounds = spec.usual if usual else spec.plausible
    assert bounds is not None and spec.decimals is not None
    lo, hi = bounds.scaled(spec.decimals)
    parts = ([f"{column} {'<=' if bounds.low_open else '<'} {lo}"] if lo is not None else []) + (
        [f"{column} {'>=' if bounds.high_open else '>'} {hi}"] if hi is not None else []
    )
    return "(" + " OR ".join(parts) + ")"


def duckdb_strict_sql(deal: Path) -> list[str]:
    """The 7-table set as DuckDB SQL doing dealdocs' validation first, then the same tables in exact integers.

    Each mapped column is read as text, stripped of edge spaces and tabs, blanks null; number
    cells must match dealdocs' own grammar (`regexp_full_match` with `cells.number_pattern`),
    then become integers of their scale (cents, thousandths) through a DECIMAL cast; dates
    must match the form's pattern (`cells.date_pattern`) and a calendar date (`try_strptime`);
    codes, states and ZIPs are checked against their lists and pattern; text against control
    characters. One aggregate then counts every problem dealdocs reports on such a tape:
    missing required cells, refused cells, duplicate loan numbers, and the row checks of
    `row_checks.checks` for the fields the tape maps (ranges, usual ranges, comparisons,
    derived LTV, months to maturity, the maturity rule). The tables group the exact integers.
    """
    from generator.api import load_deal, resolve_tables, term_sheet_of
    from generator.deal.models import BandsRule, YearlyRule
    from generator.fields import CODED, DATE_MAX, DATE_MIN, FIELDS, Kind
    from generator.pool.cells import date_pattern, number_pattern
    from generator.pool.parsing import CONTROL, STATE_SPELLINGS, ZIP

    ts = term_sheet_of(load_deal(deal))
    pool, cut = ts.pool, ts.cut_off_date
    headers = {f: h for f, h in pool.headers().items() if h is not None}
    registry, codes, form = pool.registry, pool.code_maps(), pool.tape_options.date_format
    typed, problems = [], []
    edge = "[ \t]*"  # edge spaces and tabs, as dealdocs strips them (DuckDB's casts skip them)
    for field, header in headers.items():
        spec, raw = registry[field], f'"{header}"'
        t = raw if spec.decimals is not None or spec.kind is Kind.DATE else f"nullif(trim({raw}, ' \t'), '')"
        kept = f'"t_{field}"'  # the text beside the values (DuckDB's names ignore case: LTV is ltv)
        blank = f"({raw} IS NULL OR regexp_full_match({raw}, '{edge}'))"
        if spec.decimals is not None:
            scale = 10**spec.decimals
            text = f"replace(replace({raw}, '$', ''), ',', '')" if spec.kind is Kind.MONEY else raw
            grammar = _sql_text(edge + number_pattern(spec.decimals, spec.kind is Kind.MONEY)[1:-1] + edge)
            value = f"CASE WHEN regexp_full_match({raw}, {grammar}) THEN (CAST({text} AS DECIMAL(18, {spec.decimals})) * {scale})::BIGINT END"
            if spec.blank_means_zero:
                value = f"CASE WHEN {blank} THEN 0 ELSE {value} END"
        elif spec.kind is Kind.DATE:
            grammar = _sql_text(f"{edge}{date_pattern(form)}{edge}")
            day = f"try_strptime(trim({raw}, ' \t'), {_sql_text(form)})::DATE"
            value = f"CASE WHEN regexp_full_match({raw}, {grammar}) AND {day} BETWEEN DATE '{DATE_MIN}' AND DATE '{DATE_MAX}' THEN {day} END"
        elif spec.kind in CODED:
            value = "CASE " + " ".join(f"WHEN {t} = {_sql_text(code)} THEN {_sql_text(str(to))}" for code, to in codes[field].items()) + " END"
        elif spec.kind is Kind.STATE:
            value = f"CASE WHEN {t} IN ({', '.join(map(_sql_text, STATE_SPELLINGS))}) THEN upper({t}) END"
        elif spec.kind is Kind.ZIP:
            value = f"CASE WHEN regexp_full_match({t}, {_sql_text(ZIP)}) THEN {t}[1:5] END"
        else:
            value = t
            problems.append(f"regexp_matches({kept}, {_sql_text(CONTROL)})")
        typed.append(f"{value} AS {field}, {raw} AS {kept}")
        if spec.kind is not Kind.TEXT:
            problems.append(f"(NOT {blank.replace(raw, kept)} AND {field} IS NULL)")
        if not (spec.may_be_blank or spec.arm or spec.blank_means_zero):
            problems.append(blank.replace(raw, kept))
    months = f"{cut.year * 12 + cut.month}"
    has = set(headers)
    ltv = "((original_balance::HUGEINT * 200000 + appraised_value) // (2 * appraised_value::HUGEINT))"
    addl = "additional_collateral" if "additional_collateral" in has else "0"
    effective = f"(((original_balance - {addl})::HUGEINT * 200000 + appraised_value) // (2 * appraised_value::HUGEINT))"
    to_maturity = f"(year(maturity_date) * 12 + month(maturity_date) - {months})"
    checks = [
        _sql_outside("balance", "balance"), "balance = 0", _sql_outside("original_balance", "original_balance"),
        "balance > original_balance", _sql_outside("appraised_value", "appraised_value"),
        _sql_outside("note_rate", "note_rate"), _sql_outside("note_rate", "note_rate", usual=True),
        _sql_outside("original_term", "original_term"),
        f"({_sql_outside('remaining_term', 'remaining_term')} OR remaining_term > original_term)",
        f"remaining_term <> {to_maturity}", f"origination_date > DATE '{cut}'", f"maturity_date <= DATE '{cut}'",
        "maturity_date <= origination_date", _sql_outside("ltv", "ltv"), _sql_outside(effective, "effective_ltv", usual=True),
        _sql_outside("units", "units"), "(property_type = 'multi_family' AND units < 2)", "(property_type <> 'multi_family' AND units > 1)",
    ]  # fmt: skip
    if "servicing_fee" in has:
        checks.append(f"({_sql_outside('servicing_fee', 'servicing_fee')} OR servicing_fee >= note_rate)")
    if "ltv" in has:
        checks.append(f"abs(ltv - {ltv}) > 1")
    if "additional_collateral" in has:
        checks.append(f"({_sql_outside('additional_collateral', 'additional_collateral')} OR additional_collateral > original_balance)")
    if "first_payment_date" in has:
        checks += [
            "first_payment_date <= origination_date",
            "(year(maturity_date) * 12 + month(maturity_date)) - (year(first_payment_date) * 12 + month(first_payment_date)) + 1 <> original_term",
        ]
    tape = tape_of(deal)
    read = f"CREATE TEMP TABLE loans AS SELECT {', '.join(typed)} FROM read_csv('{tape}', header=true, all_varchar=true)"
    counts = [f"sum(({p})::INT)" for p in [*problems, *checks]]
    counts.append("count(loan_number) - count(DISTINCT loan_number)")
    queries = [read, f"SELECT {', '.join(counts)} FROM loans"]
    for table in resolve_tables(pool.tables):
        field = "ltv" if table.field.value == "effective_ltv" else table.field.value
        if isinstance(table.rule, BandsRule):
            scale = 10 ** (FIELDS[field].decimals or 0)
            key = " + ".join(f"({field} > {int(edge * scale)})::INT" for edge in table.rule.edges)
        elif isinstance(table.rule, YearlyRule):
            key = f"year({field})"
        else:
            key = field
        queries.append(f"SELECT {key} AS k, count(*) AS n, sum(balance) AS b FROM loans GROUP BY k ORDER BY k")
    return queries


DUCKDB = "import duckdb, json, sys; con = duckdb.connect(); [con.sql(q) if q.startswith('CREATE') else con.sql(q).fetchall() for q in json.load(sys.stdin)]"


def measure_duckdb(queries: list[str]) -> Run:
    """DuckDB's run of the queries in a fresh interpreter (importing duckdb included, as dealdocs' imports are)."""
    import json

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(queries, handle)
    script = DUCKDB.replace("sys.stdin", f"open({handle.name!r})")
    try:
        return measure([sys.executable, "-c", script])
    finally:
        os.unlink(handle.name)


def ratio(name: str, top: list[Run], bottom: list[Run], target: float) -> str:
    """Median over median, the median of the per-round ratios (each round ran both one after the other), and the CPU's."""
    walls = statistics.median(t.wall / b.wall for t, b in zip(top, bottom, strict=True))
    cpus = statistics.median(t.cpu for t in top) / statistics.median(b.cpu for b in bottom)
    verdict = "met" if walls <= target else "NOT met"
    median = statistics.median(t.wall for t in top) / statistics.median(b.wall for b in bottom)
    return f"| {name} | {median:.2f}x | {walls:.2f}x | {cpus:.2f}x | <= {target}x: {verdict} |"


def row(name: str, runs: list[Run]) -> str:
    """One command's line of the table: min and median wall, median CPU, the largest peak."""
    walls, cpu = [r.wall for r in runs], statistics.median(r.cpu for r in runs)
    return f"| {name} | {min(walls):.2f} s | {statistics.median(walls):.2f} s | {cpu:.2f} s | {max(r.peak for r in runs):,.0f} MB |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--deal", type=Path, default=DEAL)
    parser.add_argument("--jumbo", type=Path, default=JUMBO, help="the prime-jumbo deal (skipped when absent)")
    parser.add_argument("--small", type=Path, default=SMALL, help="the 5,000-loan deal (skipped when absent)")
    parser.add_argument("--only-side-by-side", action="store_true", help="skip validate, render and --help")
    parser.add_argument("--before", type=Path, help="a checkout of earlier code (`git archive REV | tar -x -C DIR`): its 7-table strats runs side by side")
    args = parser.parse_args()
    args.deal, args.jumbo, args.small = args.deal.resolve(), args.jumbo.resolve(), args.small.resolve()  # commands run from the checkout
    if not args.deal.is_file():
        raise SystemExit(f"{args.deal} not found: run benchmarks/synth_tape.py first")
    out = Path(tempfile.mkdtemp())
    for checkout in filter(None, [ROOT, args.before]):  # bytecode, as an installed package has it (PYTHONDONTWRITEBYTECODE would recompile each run)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "generator")], check=True, capture_output=True)

    def strats(deal: Path, name: str) -> list[str]:
        return [DEALDOCS, "-m", "generator.cli", "strats", str(deal), "--format", "json", "--out", str(out / name)]

    commands = {
        "`dealdocs validate` (1M-loan CSV)": ([DEALDOCS, "-m", "generator.cli", "validate", str(args.deal)], ""),
        "`dealdocs render` (1M-loan CSV, txt)": ([DEALDOCS, "-m", "generator.cli", "render", str(args.deal), "--out", str(out), "--format", "txt"], ""),
    }
    print(f"{os.cpu_count()} CPUs, {busy_cpus():.2f} busy with other work before the runs, load average {os.getloadavg()[0]:.2f}")
    lenient, strict = duckdb_sql(args.deal), duckdb_strict_sql(args.deal)
    side: dict[str, Callable[[], Run]] = {
        STRATS: lambda: measure(strats(args.deal, "s.json")),
        LENIENT: lambda: measure_duckdb(lenient),
        STRICT: lambda: measure_duckdb(strict),
    }
    if args.before:
        before = args.before.resolve()
        side[BEFORE] = lambda: measure(strats(args.deal, "b.json"), cwd=before)
    if args.jumbo.is_file():
        side[JUMBO_SET] = lambda: measure(strats(args.jumbo, "pj.json"))
    if args.small.is_file():
        side[SMALL_STRATS] = lambda: measure(strats(args.small, "small.json"))
        small = duckdb_sql(args.small)
        side[SMALL_LENIENT] = lambda: measure_duckdb(small)
    # what no strats can go below: its start-up (the 875-loan example) and polars reading the CSV as text
    side[START_UP] = lambda: measure(strats(ROOT / "examples" / "cmsi-2003-1" / "deal.yaml", "e.json"))
    side[TEXT_READ] = lambda: measure([sys.executable, "-c", f"import polars; polars.read_csv({str(tape_of(args.deal))!r}, infer_schema=False)"])
    runs: dict[str, list[Run]] = {name: [] for name in side}
    for _ in range(args.runs):  # interleaved: load on the machine hits all commands alike
        for name, run in side.items():
            runs[name].append(run())
    print("| command | min wall | median wall | median CPU | peak RSS |")
    print("|---|---|---|---|---|")
    for name, measured in runs.items():
        print(row(name, measured), flush=True)
    if not args.only_side_by_side:
        for name, (cmd, _) in commands.items():
            print(row(name, [measure(cmd) for _ in range(args.runs)]), flush=True)
        print(row("`dealdocs --help`", [measure([DEALDOCS, "-m", "generator.cli", "--help"]) for _ in range(10)]))
    shutil.rmtree(out)
    print("\n| ratio | median / median | median of per-round ratios | CPU: median / median | target (per-round wall) |\n|---|---|---|---|---|")
    print(ratio("7-table set / strict DuckDB", runs[STRATS], runs[STRICT], 0.75))
    print(ratio("7-table set / lenient DuckDB", runs[STRATS], runs[LENIENT], 2.0))
    if BEFORE in runs:
        print(ratio("7-table set / the same on the code before", runs[STRATS], runs[BEFORE], 1.0))
    if JUMBO_SET in runs:
        print(ratio("prime-jumbo set / 7-table set", runs[JUMBO_SET], runs[STRATS], 2.0))
    if SMALL_STRATS in runs:
        print(ratio("5,000 loans end to end / lenient DuckDB on them", runs[SMALL_STRATS], runs[SMALL_LENIENT], 2.5))
    floor = [Run(a.wall + b.wall, max(a.peak, b.peak), a.cpu + b.cpu) for a, b in zip(runs[START_UP], runs[TEXT_READ], strict=True)]
    print(ratio("floor (start-up + text read) / lenient DuckDB", floor, runs[LENIENT], 2.0))
    peak = max(r.peak for r in runs[STRATS])
    print(f"\npeak RSS of the 7-table set: {peak:,.0f} MB (target < 1,200 MB: {'met' if peak < 1200 else 'NOT met'})")
    print(f"{busy_cpus():.2f} CPUs busy with other work after the runs, load average {os.getloadavg()[0]:.2f} (anything above ~0.1 slows the figures)")


if __name__ == "__main__":
    main()
