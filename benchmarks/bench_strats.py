"""Measure `dealdocs strats`, `validate` and `render` on a million-loan tape, and `dealdocs --help` start-up.

    python benchmarks/synth_tape.py                          # once: benchmarks/data/synth-1m/
    python benchmarks/synth_tape.py --layout prime-jumbo     # once: benchmarks/data/synth-1m-pj/
    python benchmarks/bench_strats.py [--runs 3]

Each command runs as a subprocess under /usr/bin/time -v (else a getrusage(RUSAGE_CHILDREN) wrapper)
for wall time and peak RSS. Side by side, in the same run: the prime-jumbo table set (16 one-way tables per
group, cross-tab, pool-data block) on its 1M-loan tape, and a DuckDB query doing the 7-table set's
parse-and-aggregate on the CMSI tape (the CSV read, decimals parsed exactly, a group-by per table
on its bands with count and balance sum), and the floor under any strats: its start-up on the
875-loan example plus polars reading the CSV as text. The runs are interleaved so that load hits all alike.
Targets on the 2-core reference machine: strats under 5 s and 2 GB; --help under 0.5 s; the
prime-jumbo set under 2x the 7-table set; the 7-table set within 1.5x of DuckDB.
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
JUMBO = ROOT / "benchmarks" / "data" / "synth-1m-pj" / "deal.yaml"
DEALDOCS = sys.executable  # `python -m generator.cli` of this checkout (PYTHONPATH set in main), not whichever dealdocs is installed
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


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
    done = subprocess.run([*wrapper, *args], capture_output=True, text=True, check=False, cwd=ROOT)  # `-m` puts the cwd first on sys.path
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


DUCKDB = "import duckdb, json, sys; con = duckdb.connect(); [con.sql(q) if q.startswith('CREATE') else con.sql(q).fetchall() for q in json.load(sys.stdin)]"


def measure_duckdb(queries: list[str]) -> tuple[float, float]:
    """DuckDB's run of the queries in a fresh interpreter (importing duckdb included, as dealdocs' imports are)."""
    import json

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(queries, handle)
    script = DUCKDB.replace("sys.stdin", f"open({handle.name!r})")
    try:
        return measure([sys.executable, "-c", script])
    finally:
        os.unlink(handle.name)


def ratio(name: str, top: list[float], bottom: list[float], target: float) -> str:
    """Median over median, and the median of the per-round ratios (each round ran both one after the other)."""
    rounds = statistics.median(t / b for t, b in zip(top, bottom, strict=True))
    verdict = "met" if rounds < target else "NOT met"
    return f"| {name} | {statistics.median(top) / statistics.median(bottom):.2f}x | {rounds:.2f}x | < {target}x: {verdict} |"


def row(name: str, runs: list[tuple[float, float]], target: str) -> str:
    walls = [w for w, _ in runs]
    peak = max(p for _, p in runs)
    return f"| {name} | {min(walls):.2f} s | {statistics.median(walls):.2f} s | {peak:,.0f} MB | {target} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--deal", type=Path, default=DEAL)
    parser.add_argument("--jumbo", type=Path, default=JUMBO, help="the prime-jumbo deal (skipped when absent)")
    parser.add_argument("--only-side-by-side", action="store_true", help="skip validate, render and --help")
    args = parser.parse_args()
    args.deal, args.jumbo = args.deal.resolve(), args.jumbo.resolve()  # commands run from the checkout (see measure)
    if not args.deal.is_file():
        raise SystemExit(f"{args.deal} not found: run benchmarks/synth_tape.py first")
    out = Path(tempfile.mkdtemp())
    commands = {
        "`dealdocs strats` (1M-loan CSV, json)": (
            [DEALDOCS, "-m", "generator.cli", "strats", str(args.deal), "--format", "json", "--out", str(out / "s.json")],
            "< 5 s, < 2 GB",
        ),
        "`dealdocs validate` (1M-loan CSV)": ([DEALDOCS, "-m", "generator.cli", "validate", str(args.deal)], ""),
        "`dealdocs render` (1M-loan CSV, txt)": ([DEALDOCS, "-m", "generator.cli", "render", str(args.deal), "--out", str(out), "--format", "txt"], ""),
    }
    print(f"{os.cpu_count()} CPUs, {busy_cpus():.2f} busy with other work before the runs")
    strats_name = "`dealdocs strats` (1M-loan CSV, json)"
    side: dict[str, list[tuple[float, float]]] = {strats_name: []}
    jumbo = args.jumbo.is_file()
    if jumbo:
        side["`dealdocs strats` prime-jumbo set (1M loans, 2 groups, 16 tables x 7 columns, cross-tab, pool data)"] = []
    queries = duckdb_sql(args.deal)
    side["DuckDB: read CSV (exact decimals) + 7 group-bys"] = []
    # what no strats can go below: its start-up (the 875-loan example) and polars reading the CSV as text
    floors = {
        "`dealdocs strats` on the 875-loan example (start-up, imports)": [
            DEALDOCS, "-m", "generator.cli", "strats", str(ROOT / "examples" / "cmsi-2003-1" / "deal.yaml"), "--out", str(out / "e.json")
        ],
        "polars alone: the 1M-loan CSV read as text (no parse, no check)": [
            sys.executable, "-c", f"import polars; polars.read_csv({str(tape_of(args.deal))!r}, infer_schema=False)"
        ],
    }  # fmt: skip
    side.update({name: [] for name in floors})
    for _ in range(args.runs):  # interleaved: load on the machine hits all commands alike
        side[strats_name].append(measure(commands[strats_name][0]))
        if jumbo:
            jumbo_cmd = [DEALDOCS, "-m", "generator.cli", "strats", str(args.jumbo), "--format", "json", "--out", str(out / "pj.json")]
            side[next(n for n in side if "prime-jumbo" in n)].append(measure(jumbo_cmd))
        side["DuckDB: read CSV (exact decimals) + 7 group-bys"].append(measure_duckdb(queries))
        for name, cmd in floors.items():
            side[name].append(measure(cmd))
    print("| command | min wall | median wall | peak RSS | target |")
    print("|---|---|---|---|---|")
    for name, runs in side.items():
        print(row(name, runs, commands[name][1] if name in commands else ""), flush=True)
    for name, (cmd, target) in commands.items():
        if name != strats_name and not args.only_side_by_side:
            print(row(name, [measure(cmd) for _ in range(args.runs)], target), flush=True)
    if not args.only_side_by_side:
        print(row("`dealdocs --help`", [measure([DEALDOCS, "-m", "generator.cli", "--help"]) for _ in range(10)], "< 0.5 s"))
    shutil.rmtree(out)
    walls = {name: [w for w, _ in runs] for name, runs in side.items()}
    names = list(walls)
    print("\n| ratio | median / median | median of per-round ratios | target |\n|---|---|---|---|")
    if jumbo:
        print(ratio("prime-jumbo set / 7-table set", walls[names[1]], walls[names[0]], 2.0))
    duck = "DuckDB: read CSV (exact decimals) + 7 group-bys"
    print(ratio("7-table set / DuckDB", walls[names[0]], walls[duck], 1.5))
    floor = [sum(pair) for pair in zip(*(walls[name] for name in floors), strict=True)]
    print(ratio("floor (start-up + text read) / DuckDB", floor, walls[duck], 1.5))
    print(f"{busy_cpus():.2f} CPUs busy with other work after the runs (anything above ~0.1 slows the figures)")


if __name__ == "__main__":
    main()
