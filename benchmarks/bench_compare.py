"""Time `dealdocs compare` on two drafts of the takedown letter and of the prime jumbo term sheet, every output made.

    python benchmarks/bench_compare.py [--runs 3] [--keep DIR]

The takedown letter's two drafts are examples/cmsi-2006-1 and its variant with other counsel
(examples/variants/takedown-other-counsel); the prime jumbo term sheet's second draft is the
example with its report date and trustee changed and its last 21 loans dropped (the figures of
every table move), written here. Each comparison runs as a subprocess (`python -m
generator.cli compare OLD NEW --out DIR --edgar-revision-tags`: the Word redline, the PDF
blackline, EDGAR HTML and text with `<R>` tags), imports included, from rendered folders
(rendered once beforehand in txt, docx, pdf and htm) and from the deal files (rendered on
the fly). Target: both comparisons together under 10 s. Each figure is the median wall time,
and the median CPU time (user + system) of the command and of its worker processes (the
blackline's layout, and from deal files the old draft's renders, run beside the rest): on an
idle 2-core machine the wall time is below the CPU time; on one busy with other work the wall
time is mostly waiting, and the CPU time is the figure to compare.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRIME = ROOT / "examples" / "prime-jumbo-2024-1"


def second_prime_draft(folder: Path) -> Path:
    """The prime jumbo deal with another report date and trustee, and 21 fewer loans."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (PRIME / "deal.yaml").read_text(encoding="utf-8")
    edits = (("report_date: 2024-03-20", "report_date: 2024-03-22"), ("name: Example Trust Company, N.A.", "name: Example Bank Trust Company, N.A."))
    for before, after in edits:
        assert before in text, before
        text = text.replace(before, after)
    (folder / "deal.yaml").write_text(text, encoding="utf-8")
    lines = (PRIME / "loans.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "loans.csv").write_text("".join(lines[:-21]), encoding="utf-8")
    return folder / "deal.yaml"


def dealdocs(*args: str) -> tuple[float, float]:
    """Run a dealdocs command of this checkout; its wall time and CPU time in seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "generator.cli", *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"dealdocs {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Keep the drafts and comparisons in this folder.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-compare-"))
    pairs = {
        "takedown letter": (ROOT / "examples" / "cmsi-2006-1" / "deal.yaml", ROOT / "examples" / "variants" / "takedown-other-counsel" / "deal.yaml"),
        "prime jumbo term sheet": (PRIME / "deal.yaml", second_prime_draft(work / "prime-2")),
    }
    for name, (old, new) in pairs.items():
        for side, deal in (("old", old), ("new", new)):
            dealdocs("render", str(deal), "--out", str(work / name / side), "--format", "txt,docx,pdf,htm")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print("| drafts | from rendered folders: wall, CPU | from deal files: wall, CPU |")
    print("|---|---|---|")
    totals = {"folders": [0.0, 0.0], "deals": [0.0, 0.0]}
    for name, (old, new) in pairs.items():
        shown = []
        for kind, (a, b) in (("folders", (work / name / "old", work / name / "new")), ("deals", (old, new))):
            out = work / name / f"compare-{kind}"
            runs = [dealdocs("compare", str(a), str(b), "--out", str(out), "--edgar-revision-tags") for _ in range(args.runs)]
            wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
            totals[kind][0] += wall
            totals[kind][1] += cpu
            shown.append(f"{wall:.2f} s, {cpu:.2f} s")
        print(f"| {name} | {' | '.join(shown)} |", flush=True)
    print(f"| together (target < 10 s) | {totals['folders'][0]:.2f} s, {totals['folders'][1]:.2f} s | {totals['deals'][0]:.2f} s, {totals['deals'][1]:.2f} s |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if args.keep is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
