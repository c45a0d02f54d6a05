"""Synthesise a loan tape in the layout of examples/cmsi-2003-1/loans.csv, and a deal file for it.

Vectorised with numpy and polars, seeded, so the same N always gives the same tape; every
row passes `dealdocs validate` (the conventions are those of the example's TAPE.md).
`--layout prime-jumbo` instead draws N loans (seeded, with replacement) from
examples/prime-jumbo-2024-1/loans.csv, each with a new loan number: a tape with two groups
and the new fields (FICO, CLTV, DTI, ARM terms...) that its deal file's 16 one-way tables, cross-tab
and pool-data block read.

    python benchmarks/synth_tape.py --loans 1000000 --out benchmarks/data/synth-1m
    python benchmarks/synth_tape.py --layout prime-jumbo --out benchmarks/data/synth-1m-pj
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cmsi-2003-1" / "deal.yaml"
PRIME_JUMBO = ROOT / "examples" / "prime-jumbo-2024-1"
CUT_OFF = dt.date(2003, 1, 1)
STATES = ["CA", "NY", "NJ", "MA", "CT", "IL", "VA", "MD", "CO", "TX", "WA", "GA", "MO", "FL", "OH", "NC", "AZ", "PA"]


def _add_months(year: np.ndarray, month: np.ndarray, months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def synthesise(n: int, seed: int = 2003) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    orig_term = rng.choice([360, 360, 360, 360, 300, 240, 180], n)
    # originated in 2002, 1 to 12 months before the cut-off
    orig_month = rng.integers(1, 13, n)
    orig_day = rng.integers(1, 29, n)
    first_y, first_m = _add_months(np.full(n, 2002), orig_month, np.full(n, 2))
    mat_y, mat_m = _add_months(first_y, first_m, orig_term - 1)
    rem_term = (mat_y * 12 + mat_m) - (CUT_OFF.year * 12 + CUT_OFF.month)
    orig_cents = rng.integers(60_000, 1_000_001, n) * 100
    paid = rng.integers(0, 3_000_00, n) * (orig_term - rem_term) // 3
    sched = np.maximum(orig_cents - paid, orig_cents // 2)
    appraised = (orig_cents // 100 * rng.uniform(1.06, 2.5, n)).astype(np.int64)
    num = orig_cents * 100_000
    den = appraised * 100
    ltv_thousandths = (2 * num + den) // (2 * den)
    rate = rng.integers(45, 60, n) * 125  # 5.625% to 7.375% in eighths
    prop = rng.choice(["SFD"] * 16 + ["MF", "TH", "CONDO_LO", "CONDO_HI", "COOP"], n)
    units = np.where(prop == "MF", rng.integers(2, 5, n), 1)
    addl = np.where(rng.random(n) < 0.01, orig_cents // 10, 0)

    def fixed(scaled: np.ndarray, places: int) -> pl.Series:
        unit = 10**places
        return pl.Series(scaled // unit).cast(pl.String) + "." + pl.Series(scaled % unit).cast(pl.String).str.zfill(places)

    def iso(y: np.ndarray, m: np.ndarray, d: np.ndarray | int) -> pl.Series:
        days = pl.Series(np.broadcast_to(d, y.shape)).cast(pl.String).str.zfill(2)
        return pl.Series(y).cast(pl.String) + "-" + pl.Series(m).cast(pl.String).str.zfill(2) + "-" + days

    return pl.DataFrame({
        "LOAN_NO": pl.Series(rng.permutation(n) + 10_000_000).cast(pl.String).str.zfill(10),
        "SCHED_BAL": fixed(sched, 2),
        "ORIG_BAL": fixed(orig_cents, 2),
        "NOTE_RATE": fixed(rate, 3),
        "SERV_FEE": "0.250",
        "ORIG_TERM": orig_term,
        "REM_TERM": rem_term,
        "ORIG_DATE": iso(np.full(n, 2002), orig_month, orig_day),
        "FIRST_PAY_DATE": iso(first_y, first_m, 1),
        "MATURITY_DATE": iso(mat_y, mat_m, 1),
        "APPRAISED_VALUE": appraised,
        "LTV": fixed(ltv_thousandths, 3),
        "PROP_TYPE": prop,
        "UNITS": units,
        "OCCUPANCY": rng.choice(["PRIMARY"] * 30 + ["SECOND_HOME", "INVESTOR"], n),
        "STATE": rng.choice(STATES, n),
        "ZIP": pl.Series(rng.integers(10_000, 99_999, n)).cast(pl.String),
        "PURPOSE": rng.choice(["PURCHASE", "REFI_RATE_TERM", "REFI_CASHOUT"], n),
        "DOC_TYPE": rng.choice(["FULL", "STREAMLINE", "STREAMLINE", "STATED"], n),
        "PMI": np.where(ltv_thousandths > 80_000, "Y", "N"),
        "ADDL_COLLATERAL": fixed(addl, 2),
    })  # fmt: skip


def resample_prime_jumbo(n: int, seed: int = 2024) -> pl.DataFrame:
    """N loans drawn from the prime-jumbo example's tape (valid rows, both groups), each with its own loan number."""
    rng = np.random.default_rng(seed)
    source = pl.read_csv(PRIME_JUMBO / "loans.csv", infer_schema=False)
    picked = source[rng.integers(0, source.height, n)]
    numbers = pl.Series("LN_ID", rng.permutation(n) + 1).cast(pl.String).str.zfill(9)
    return picked.with_columns(("PJ" + numbers).alias("LN_ID"))


def write_deal(folder: Path, tape_name: str, example: Path = EXAMPLE) -> Path:
    """The example's deal file, pointed at the synthetic tape (relative to the deal file)."""
    text = example.read_text().replace("tape: loans.csv", f"tape: {tape_name}")
    deal = folder / "deal.yaml"
    deal.write_text(text)
    return deal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=None, help="default 2003 (cmsi), 2024 (prime-jumbo)")
    parser.add_argument("--layout", choices=["cmsi", "prime-jumbo"], default="cmsi")
    parser.add_argument("--out", type=Path, default=None, help="default benchmarks/data/synth-1m (cmsi), synth-1m-pj (prime-jumbo)")
    parser.add_argument("--format", choices=["csv", "parquet", "xlsx"], default="csv")
    args = parser.parse_args()
    jumbo = args.layout == "prime-jumbo"
    args.out = args.out or ROOT / "benchmarks" / "data" / ("synth-1m-pj" if jumbo else "synth-1m")
    args.out.mkdir(parents=True, exist_ok=True)
    tape = args.out / f"loans.{args.format}"
    if jumbo:
        frame = resample_prime_jumbo(args.loans, 2024 if args.seed is None else args.seed)
    else:
        frame = synthesise(args.loans, 2003 if args.seed is None else args.seed)
    {"csv": frame.write_csv, "parquet": frame.write_parquet, "xlsx": frame.write_excel}[args.format](tape)
    deal = write_deal(args.out, tape.name, PRIME_JUMBO / "deal.yaml" if jumbo else EXAMPLE)
    print(f"wrote {tape} ({args.loans:,} loans) and {deal}")


if __name__ == "__main__":
    main()
