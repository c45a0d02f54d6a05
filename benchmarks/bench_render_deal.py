"""`dealdocs render` of one deal (the prime jumbo example, txt, docx and pdf) against another checkout's code, interleaved.

    git archive <commit> | tar -x -C /tmp/dealdocs-base     # the code to compare with, beside this checkout
    python benchmarks/bench_render_deal.py --base /tmp/dealdocs-base [--runs 7] [--deal examples/prime-jumbo-2024-1/deal.yaml]
        [--same-as /tmp/dealdocs-layout]    # a checkout whose outputs this one's must equal, when the base's layout differs

Each round runs both checkouts' `python -m generator.cli render` in fresh interpreters (imports
included), in alternating order, into fresh folders, each on its own copy of the deal (the
`--deal` path taken relative to each checkout: a deal file's keys change between versions), and
checks that both wrote the same bytes, or, with `--same-as`, that this checkout wrote the bytes
that one writes (checked once, before the rounds). Prints each round, then the medians of wall
time and of CPU time (user + system, the forked process included), the median of the per-round
ratios (this checkout / base: the figure that counts on a shared machine) and the load average
before and after. Target: <= 0.55x.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def render(code: Path, deal: Path, out: Path, formats: str) -> tuple[float, float]:
    """Wall and CPU seconds of one `render` with `code` on PYTHONPATH."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [sys.executable, "-m", "generator.cli", "render", str(deal), "--out", str(out), "--format", formats]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, cwd=code)  # `-m` puts the cwd first on sys.path
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{code}: render failed ({done.returncode}):\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every output (the manifest aside: it names the code's version)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.name != "manifest.json"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="a checkout of the code to compare with (its generator/ on PYTHONPATH)")
    parser.add_argument("--deal", type=Path, default=Path("examples") / "prime-jumbo-2024-1" / "deal.yaml", help="relative to each checkout")
    parser.add_argument("--same-as", type=Path, help="a checkout whose outputs this one's must equal (default: the base's)")
    parser.add_argument("--formats", default="txt,docx,pdf")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    codes = {"base": args.base.resolve(), "this": ROOT}
    walls: dict[str, list[float]] = {name: [] for name in codes}
    cpus: dict[str, list[float]] = {name: [] for name in codes}
    ratios = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="dealdocs-render-") as work:
        if args.same_as is not None:
            reference, mine = Path(work) / "same-as", Path(work) / "mine"
            render(args.same_as.resolve(), args.same_as.resolve() / args.deal, reference, args.formats)
            render(ROOT, ROOT / args.deal, mine, args.formats)
            if hashes(reference) != hashes(mine):
                sys.exit(f"the outputs differ from {args.same_as}'s: {hashes(reference)} {hashes(mine)}")
        for round_ in range(args.runs):
            order = list(codes) if round_ % 2 == 0 else list(reversed(codes))
            written = {}
            for name in order:
                out = Path(work) / f"{name}-{round_}"
                wall, cpu = render(codes[name], codes[name] / args.deal, out, args.formats)
                walls[name].append(wall)
                cpus[name].append(cpu)
                written[name] = hashes(out)
            if args.same_as is None and written["base"] != written["this"]:
                sys.exit(f"round {round_ + 1}: the outputs differ: {written}")
            ratios.append(walls["this"][-1] / walls["base"][-1])
            base, this = walls["base"][-1], walls["this"][-1]
            print(f"round {round_ + 1}: base {base:.2f} s, this {this:.2f} s, ratio {ratios[-1]:.2f}x, load {os.getloadavg()[0]:.1f}", flush=True)
    same = f"identical to {args.same_as}'s" if args.same_as is not None else "byte-identical in every round"
    print(f"\n{args.deal} ({args.formats}), {args.runs} interleaved rounds, outputs {same}")
    print("| code | median wall | min wall | median CPU (user+sys) |")
    print("|---|---|---|---|")
    for name in codes:
        print(f"| {name} | {statistics.median(walls[name]):.2f} s | {min(walls[name]):.2f} s | {statistics.median(cpus[name]):.2f} s |")
    print(f"median per-round ratio this/base: {statistics.median(ratios):.2f}x (target <= 0.55x); ratio of medians "
          f"{statistics.median(walls['this']) / statistics.median(walls['base']):.2f}x")
    print(f"load average (1 min) before {load_before:.1f}, after {os.getloadavg()[0]:.1f}, on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
