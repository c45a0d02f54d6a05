"""Time to render each example to DOCX, PDF and EDGAR HTML, and WeasyPrint's own time on the same HTML.

    python benchmarks/bench_render.py [--runs 5]

Measured in-process on a context built once (the tape analysis is `bench_strats.py`'s
business), so the PDF overhead is dealdocs' own work on top of WeasyPrint: templating the
HTML, fonts, metadata. Target: under 20% over the engine. EDGAR HTML (htm, checked against
EDGAR's rules as render checks it) should cost less than a tenth of the PDF: the last column.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import weasyprint

from generator.api import documents_of, load_deal, render_docx, render_htm, render_html, render_pdf, templates_dir

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    ROOT / "examples" / "cmsi-2003-1" / "deal.yaml",
    ROOT / "examples" / "cmsi-2006-1" / "deal.yaml",
    ROOT / "examples" / "cmsi-2003-shelf" / "shelf.yaml",
]


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| document | DOCX | PDF (dealdocs) | WeasyPrint alone | PDF overhead | EDGAR HTML | HTML / PDF |")
    print("|---|---|---|---|---|---|---|")
    for path in EXAMPLES:
        loaded = load_deal(path)
        for document in documents_of(loaded):
            context = document.context(loaded, None)
            render_pdf(loaded, document, context=context)  # warm caches (fonts, imports) once
            html = render_html(loaded, document, context=context)
            # each lambda binds the loop's values as default arguments: this document's, not a later one's
            docx = median_seconds(lambda loaded=loaded, document=document, context=context: render_docx(loaded, document, context=context), args.runs)
            pdf = median_seconds(lambda loaded=loaded, document=document, context=context: render_pdf(loaded, document, context=context), args.runs)
            engine = median_seconds(lambda html=html: weasyprint.HTML(string=html, base_url=str(templates_dir())).write_pdf(), args.runs)
            htm = median_seconds(lambda loaded=loaded, document=document, context=context: render_htm(loaded, document, context=context), args.runs)
            print(
                f"| {document.name} | {docx * 1000:.0f} ms | {pdf * 1000:.0f} ms | {engine * 1000:.0f} ms | {(pdf - engine) / engine:+.1%} "
                f"| {htm * 1000:.1f} ms | {htm / pdf:.1%} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
