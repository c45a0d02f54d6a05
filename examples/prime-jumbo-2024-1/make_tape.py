"""Writes loans.csv: a synthetic, hypothetical two-group prime jumbo tape in a lender's own column names.

Group 1 is 30-year fixed; group 2 is 7/1 and 10/1 SOFR hybrid ARMs, some interest-only.
Seeded, so the same tape comes out every run: `python make_tape.py`.
"""

from __future__ import annotations

import csv
import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

CUT_OFF = (2024, 3)
HEADER = [
    "LN_ID", "CUR_UPB", "ORIG_UPB", "CURR_RATE", "SVC_FEE", "AMORT_TERM", "RTM", "NOTE_DATE", "FPD", "MAT_DATE", "APPR_VAL",
    "ORIG_LTV", "CLTV", "FICO_SCORE", "DTI_RATIO", "PROPERTY", "UNIT_CNT", "OCC", "PROP_ST", "PROP_ZIP", "LOAN_PURP", "DOC_LVL",
    "MI_FLAG", "GRP", "AMORT_TYPE", "IO_MONTHS", "ARM_IDX", "GROSS_MARGIN", "INIT_CAP", "PER_CAP", "LIFE_CAP", "MAX_RATE", "MTR",
    "ORIG_CHANNEL", "SELF_EMP", "FTHB", "RESERVES",
]  # fmt: skip
STATES = [("CA", "90210", 40), ("NY", "10021", 10), ("FL", "33480", 8), ("TX", "75205", 8), ("WA", "98004", 6), ("NJ", "07078", 5),
          ("MA", "02116", 5), ("CO", "80206", 5), ("VA", "22101", 5), ("IL", "60093", 4), ("MD", "20815", 4)]  # fmt: skip


def month(index: int) -> tuple[int, int]:
    """A month index (year x 12 + month - 1) as (year, month)."""
    return index // 12, index % 12 + 1


def reserves(n: int) -> str:
    """Months of reserves (the deal file's custom field), from its own generator so the other columns keep their values; some blank."""
    return "" if n % 173 == 5 else str(random.Random(n).choice([6, 6, 12, 12, 12, 18, 24, 24, 36, 48, 60]))


def loan(rng: random.Random, n: int) -> list[str]:
    """One loan's row."""
    arm = n % 5 >= 3  # two in five loans are in group 2
    orig_index = CUT_OFF[0] * 12 + CUT_OFF[1] - 1 - rng.randint(2, 10)
    first_index = orig_index + 2
    maturity_index = first_index + 359
    remaining = maturity_index - (CUT_OFF[0] * 12 + CUT_OFF[1] - 1)
    (oy, om), (fy, fm), (my, mm) = month(orig_index), month(first_index), month(maturity_index)
    original = rng.randrange(766_550, 3_000_000, 50) * 100  # cents
    paid = (360 - remaining) * rng.randint(60_000, 120_000)
    balance = original - paid
    ltv_target = rng.choice([50, 60, 65, 70, 75, 78, 80, 80, 80, 85, 89])
    appraised = int(Decimal(original) * 100 / ltv_target / 100) * 100  # whole dollars, in cents
    ltv = (Decimal(original) * 100 / Decimal(appraised)).quantize(Decimal("0.001"), ROUND_HALF_UP)
    cltv = ltv + (rng.choice([0, 0, 0, 5, 10]) if ltv <= 80 else 0)
    rate = Decimal(rng.choice(range(5_750, 7_875, 125))) / 1000
    state, zipcode, _ = rng.choices(STATES, weights=[w for *_, w in STATES])[0]
    io = 120 if arm and rng.random() < 0.3 else 0
    roll = (84 if n % 2 else 120) - (CUT_OFF[0] * 12 + CUT_OFF[1] - 1 - first_index + 1)
    arm_cells = ["SOFR30A", "2.750", "5.000", "1.000", "5.000", str(rate + 5), str(roll)] if arm else [""] * 7
    fico = "" if n % 211 == 7 else str(rng.randint(680, 820))
    dti = "" if n % 197 == 11 else f"{rng.randint(1500, 4999) / 100:.2f}"
    return [
        f"PJ{n:07d}", f"{balance / 100:.2f}", f"{original / 100:.2f}", f"{rate:.3f}", "0.250", "360", str(remaining),
        f"{om:02d}/15/{oy}", f"{fm:02d}/01/{fy}", f"{mm:02d}/01/{my}", f"{appraised // 100}", f"{ltv}", f"{cltv}", fico, dti,
        rng.choices(["SF", "PUD", "CONDO", "2UNIT"], weights=[60, 25, 12, 3])[0], "1", rng.choices(["O", "S", "I"], weights=[88, 9, 3])[0],
        state, zipcode, rng.choices(["P", "R", "C"], weights=[60, 25, 15])[0], rng.choices(["FULL", "ALT"], weights=[92, 8])[0], "N",
        "2" if arm else "1", "ARM" if arm else "FIXED", str(io), *arm_cells,
        rng.choice(["RETAIL", "CORRESPONDENT", "BROKER"]), rng.choice(["Y", "N", "N", "N"]), rng.choice(["Y", "N", "N", "N", "N"]), reserves(n),
    ]  # fmt: skip


def main() -> None:
    """Write the tape next to this script."""
    rng = random.Random(20240301)
    rows = [loan(rng, n) for n in range(1, 2001)]
    for row in rows:
        if row[15] == "2UNIT":
            row[16] = "2"
    with (Path(__file__).parent / "loans.csv").open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([HEADER, *rows])


if __name__ == "__main__":
    main()
