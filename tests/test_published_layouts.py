"""Published term-sheet layouts of 2004-2024, each written as data in a deal file and checked against the tape.

Each test copies the prime jumbo example (deal file and synthetic tape) to a temporary folder,
replaces its groups, pool-data block and tables with one published layout written below as
YAML, runs `dealdocs validate` and `dealdocs render`, reads the printed table back from the
EDGAR text, and compares its headings, rows and key figures with figures computed here from
the tape's text with integers and Fractions (not with the product's code):

- a 2006 free writing prospectus's "Range of credit scores" table, ten figure columns;
- JPMorgan Mortgage Trust 2004-S2's pool data, one column per loan group and the total, with
  its top three states;
- J.P. Morgan Alternative Loan Trust 2006-A1's ARM data, printed for the ARM group only,
  with a "% of Aggregate Current Principal" column of the whole pool (`of: pool`) and ARM
  pool-data lines for the ARM group only (`only_groups`);
- a FICO by LTV matrix, footed to 100.00;
- three loan groups (Groups I-III), each table printed per group and for the pool.

A percent column is footed (its printed figures add to 100.00), so a row's printed percent is
its exact share rounded down or up to 0.01; balances likewise to the dollar. Every other figure
(counts, weighted averages, shares) is rounded once, half-up, and compared exactly.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

from docx import Document as WordDocument

from generator.api import pdf_pages
from generator.cli import app

from .helpers import Loan, loans_of, prime_deal, runner, whole_tables

CUT_OFF = 2024 * 12 + 3  # the example's cut-off date, March 2024, as a month number
DOCUMENT = "collateral-term-sheet"


# --- the deal folder (tests.helpers.prime_deal) and its rendering ------------------------------


def dealdocs(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code and "Traceback" not in result.output, result.output
    return result.output


def render(deal: Path, formats: str = "txt") -> Path:
    """`validate` (exit 0), then `render` in the formats: the folder written."""
    dealdocs("validate", str(deal))
    out = deal.parent / "out"
    dealdocs("render", str(deal), "-f", formats, "-o", str(out))
    return out


def edgar_text(out: Path) -> str:
    """The rendered EDGAR text, after checking its widths: 80 columns, 132 between <TABLE> and </TABLE>."""
    text = (out / f"{DOCUMENT}.txt").read_text()
    inside = False
    for line in text.splitlines():
        inside = (inside or line == "<TABLE>") and line != "</TABLE>"
        assert len(line) <= (132 if inside else 80) and line.isascii(), line
    dealdocs("check", str(out / f"{DOCUMENT}.txt"))
    return text


# --- reading a table back from the text -------------------------------------------------------

RULE = re.compile(r"^ *-+( +-+)* *$")


@dataclass
class Printed:
    """A table as the EDGAR text prints it: headings per column (the label's first), rows of cells, its lines."""

    heads: list[str]
    rows: list[tuple[str, list[str]]]
    span: str
    lines: list[str]
    marked: bool  # set between <TABLE> and </TABLE>

    def row(self, label: str) -> list[str]:
        found = [cells for name, cells in self.rows if name == label]
        assert len(found) == 1, (label, [name for name, _ in self.rows])
        return found[0]

    @property
    def labels(self) -> list[str]:
        return [name for name, _ in self.rows]


def printed(text: str, title: str, group: str | None = None) -> Printed:
    """The table titled `title` (for `group`), its cells cut at the columns of the rule under its headings."""
    lines = whole_tables(text).splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == title and (group is None or lines[i + 1].strip() == group)]
    assert len(starts) == 1, f"{title} / {group}: printed {len(starts)} times"
    start = starts[0] + (2 if group else 1)
    block: list[str] = []
    for line in lines[start:]:
        if line == "</TABLE>" or (not line.strip() and any(RULE.match(b) for b in block) and not RULE.match(block[-1])):
            break
        block.append(line)
    rules = [i for i, line in enumerate(block) if RULE.match(line)]
    head_rule = max(rules, key=lambda i: (len(block[i].split()), -i))  # the label's dash run and one per figure column
    runs = [m.span() for m in re.finditer(r"-+", block[head_rule])]
    first = runs[1][0]
    above = [i for i in rules if i < head_rule]
    heading_lines = [line for line in block[(above[-1] + 1 if above else 0) : head_rule] if line.strip()]
    span = " ".join(line.strip() for line in block[: above[-1]] if line.strip()) if above else ""

    def cells(line: str) -> tuple[str, list[str]]:
        return line[:first].strip(), [line[a:b].strip() for a, b in runs[1:]]

    heads = [" ".join(x for x in (cells(line)[0] for line in heading_lines) if x)]
    heads += [" ".join(x for x in (cells(line)[1][j] for line in heading_lines) if x) for j in range(len(runs) - 1)]
    rows: list[tuple[str, list[str]]] = []
    pending = ""
    for line in block[head_rule + 1 :]:
        if not line.strip() or RULE.match(line):
            continue
        label, figures = cells(line)
        if not any(figures):  # a wrapped label: its figures are on its last line
            pending = f"{pending} {label}".strip()
            continue
        rows.append((f"{pending} {label}".strip(), figures))
        pending = ""
    marked = lines[starts[0] - 1] == "<TABLE>"
    return Printed(heads, rows, span, block, marked)


# --- the oracle: figures from the tape's text, in integers and Fractions ----------------------


def scaled(text: str, places: int) -> int:
    """A tape's decimal text as an integer of `places` decimals: '7.125' at 3 is 7125 (no value on the tape has more)."""
    whole, _, frac = text.partition(".")
    assert len(frac) <= places, text
    return int(whole) * 10**places + int(frac.ljust(places, "0") or 0)


def cents(row: Loan) -> int:
    return scaled(row["CUR_UPB"], 2)


def shown(value: Fraction, places: int = 0) -> str:
    """A non-negative exact value rounded half-up to `places` decimals, thousands separated, as a table prints it."""
    units = value * 10**places
    whole = (units.numerator * 2 + units.denominator) // (2 * units.denominator)
    integer, fraction = divmod(whole, 10**places)
    return f"{integer:,}" + (f".{fraction:0{places}d}" if places else "")


def balance(loans: list[Loan]) -> int:
    return sum(map(cents, loans))


def weighted(loans: list[Loan], column: str, places: int, decimals: int = 0) -> str:
    """The balance-weighted average of a tape column over the loans that report it (N/A for none)."""
    pairs = [(cents(r), scaled(r[column], places)) for r in loans if r[column]]
    if not pairs:
        return "N/A"
    return shown(Fraction(sum(c * v for c, v in pairs), sum(c for c, _ in pairs) * 10**places), decimals)


def share(loans: list[Loan], test: Callable[[Loan], bool]) -> str:
    """The percent of the loans' balance in those passing `test`, to 0.01."""
    return shown(Fraction(100 * sum(cents(r) for r in loans if test(r)), balance(loans)), 2)


def loan_age(row: Loan) -> int:
    month, _, year = row["NOTE_DATE"].split("/")
    return CUT_OFF - (int(year) * 12 + int(month))


def number(figure: str) -> Fraction:
    return Fraction(figure.replace(",", ""))


def assert_footed(figures: Iterable[str], exact: Iterable[Fraction], places: int, total: str) -> None:
    """Each printed figure is its exact value rounded down or up to `places`, and the figures add to the printed total."""
    printed_ = [number(f) for f in figures]
    for figure, value in zip(printed_, exact, strict=True):
        units = value * 10**places
        assert figure * 10**places in (math.floor(units), math.ceil(units)), (figure, value)
    assert sum(printed_) == number(total)


def band(value: int, edges: list[int]) -> int:
    """The band of a value: band i holds edges[i-1] < value <= edges[i]."""
    return sum(value > edge for edge in edges)


# --- the layouts ------------------------------------------------------------------------------

FICO_BANDS = "{kind: bands, edges: [699, 719, 739, 759, 779, 799], label: '{{ lo }} - {{ hi }}',"
FICO_BANDS += " first_label: '{{ hi }} and below', last_label: '{{ lo }} and above'}"
FICO_EDGES = [699, 719, 739, 759, 779, 799]
FICO_LABELS = ["699 and below", "700 - 719", "720 - 739", "740 - 759", "760 - 779", "780 - 799", "800 and above"]

HEADINGS_2006 = [["Number", "of Loans"], ["Aggregate", "Principal", "Balance ($)"], ["% of", "Deal"], ["%", "California"], ["%", "IOs"],
                 ["WA", "FICO"], ["WA", "LTV"], ["WA", "CLTV"], ["%", "Investor"], ["%", "PMI"]]  # fmt: skip
"""The 2006 FWP's ten column headings, each stacked on two or three lines."""


def credit_scores_2006(table: str, headings: list[list[str]]) -> str:
    """The 2006 FWP's "Range of credit scores" table as a deal file's pool sections, with these column headings."""
    kinds = [
        "kind: count", "kind: balance", "kind: percent, of: pool", "kind: share, field: state, value: CA",
        "kind: share, field: interest_only_term, value: [60, 120]", "kind: weighted_average, field: fico",
        "kind: weighted_average, field: ltv, decimals: 2", "kind: weighted_average, field: cltv, decimals: 2",
        "kind: share, field: occupancy, value: investor", "kind: share, field: pmi, value: true",
    ]  # fmt: skip
    columns = "".join(
        f"\n        - {{id: c{n}, {kind}, header: [{', '.join(f'{line!r}' for line in heading)}]}}"
        for n, (kind, heading) in enumerate(zip(kinds, headings, strict=True))
    )
    return f"""
tables:
  defaults: false
  tables:
    - id: {table}
      title: [RANGE OF CREDIT SCORES]
      header: [Range of, Credit Scores]
      field: fico
      rule: {FICO_BANDS}
      columns:{columns}
"""


def insure_high_ltv_loans(rows: list[Loan]) -> None:
    """Primary mortgage insurance on nine in ten loans above 80% LTV, drawn from a seeded generator (the example's tape has none)."""
    rng = random.Random(2006)
    for row in rows:
        draw = rng.random()
        row["MI_FLAG"] = "Y" if scaled(row["ORIG_LTV"], 3) > 80_000 and draw < 0.9 else "N"


def test_2006_fwp_range_of_credit_scores_prints_its_ten_columns_within_132_characters(tmp_path: Path) -> None:
    deal = prime_deal(tmp_path, credit_scores_2006("credit-scores", HEADINGS_2006), insure_high_ltv_loans)
    out = render(deal, "txt,docx,pdf,htm")
    table = printed(edgar_text(out), "RANGE OF CREDIT SCORES")
    assert table.heads == ["Range of Credit Scores", *(" ".join(h) for h in HEADINGS_2006)]
    assert table.marked and 80 < max(map(len, table.lines)) <= 132  # too wide for 80 columns: set as a <TABLE>
    loans = loans_of(deal)
    assert sum(r["MI_FLAG"] == "Y" for r in loans) > 0
    by_row: dict[str, list[Loan]] = {}
    for r in loans:
        by_row.setdefault("Not Available" if not r["FICO_SCORE"] else FICO_LABELS[band(int(r["FICO_SCORE"]), FICO_EDGES)], []).append(r)
    assert table.labels == [*(label for label in FICO_LABELS if label in by_row), "Not Available", "Total"]
    by_row["Total"] = loans
    for label, rows in by_row.items():
        count, _, _, ca, ios, fico, ltv, cltv, investor, pmi = table.row(label)
        assert count == f"{len(rows):,}"
        assert ca == share(rows, lambda r: r["PROP_ST"] == "CA") and ios == share(rows, lambda r: r["IO_MONTHS"] in ("60", "120"))
        assert fico == weighted(rows, "FICO_SCORE", 0)  # N/A in the Not Available row
        assert (ltv, cltv) == (weighted(rows, "ORIG_LTV", 3, 2), weighted(rows, "CLTV", 3, 2))
        assert investor == share(rows, lambda r: r["OCC"] == "I") and pmi == share(rows, lambda r: r["MI_FLAG"] == "Y")
    bands = [label for label in table.labels if label != "Total"]
    total = balance(loans)
    assert table.row("Total")[1:3] == [shown(Fraction(total, 100)), "100.00"]  # % of Deal is `of: pool`: in the pool's own table, the ordinary percent
    assert_footed([table.row(b)[1] for b in bands], [Fraction(balance(by_row[b]), 100) for b in bands], 0, table.row("Total")[1])
    assert_footed([table.row(b)[2] for b in bands], [Fraction(100 * balance(by_row[b]), total) for b in bands], 2, "100.00")
    # the other formats print the same headings and cells
    rows = [table.heads, *([label, *cells] for label, cells in table.rows)]
    word = [[" ".join(c.text.split()) for c in r.cells] for t in WordDocument(str(out / f"{DOCUMENT}.docx")).tables for r in t.rows]
    assert word[word.index(table.heads) :][: len(rows)] == rows
    html = next(t for t in HtmTables((out / f"{DOCUMENT}.htm").read_text()).tables if t[0] == ["RANGE OF CREDIT SCORES"])
    assert html[1:] == rows
    pdf = [" ".join(line.split()) for page in pdf_pages((out / f"{DOCUMENT}.pdf").read_bytes()) for line in page.splitlines()]
    assert "RANGE OF CREDIT SCORES" in pdf and all(" ".join(row) in pdf for row in rows[1:])


def test_2006_fwp_with_one_line_headings_is_too_wide_and_validate_says_why_at_its_line(tmp_path: Path) -> None:
    one_line = [[" ".join(heading)] for heading in HEADINGS_2006]
    deal = prime_deal(tmp_path, credit_scores_2006("credit-scores-one-line", one_line), insure_high_ltv_loans)
    output = dealdocs("validate", str(deal), code=2)
    widths = [len(heading) for [heading] in one_line]  # each as wide as its figures or wider: 2,000; 3,764,692,482; 100.00; 750; 74.19
    assert sum(w + 2 for w in widths) == 127  # 5 characters left for labels 13 wide ("Credit Scores", "699 and below")
    lines = deal.read_text().splitlines()
    table = lines.index("        - id: credit-scores-one-line") + 1
    found = re.findall(r"deal\.yaml:(\d+) \[term_sheet\.pool\.tables\.tables\.0\.columns\]: error: (.*)", output)
    assert len(found) == 1 and table <= int(found[0][0]) <= len(lines), output
    assert found[0][1].startswith(
        "table `credit-scores-one-line` is too wide for EDGAR text: its 10 figure columns take 127 characters: "
        "with labels 13 wide, more than 132; drop columns or shorten their headings"
    )
    out = deal.parent / "out"
    assert "too wide for EDGAR text" in dealdocs("render", str(deal), "-f", "txt", "-o", str(out), code=2)
    assert not (out / f"{DOCUMENT}.txt").exists()


POOL_DATA_2004 = """
groups: {field: loan_group, labels: {"1": Group 1, "2": Group 2}, total_label: Total}
summary:
  - {label: Aggregate Current Principal Balance ($), kind: balance}
  - {label: Number of Mortgage Loans, kind: count}
  - {label: Average Current Principal Balance ($), kind: average_balance}
  - {label: Weighted Average Mortgage Rate (%), kind: weighted_average, field: note_rate}
  - {label: Weighted Average Remaining Term (months), kind: weighted_average, field: remaining_term}
  - {label: Weighted Average Seasoning (months), kind: weighted_average, field: loan_age}
  - {label: Weighted Average Original LTV (%), kind: weighted_average, field: ltv, decimals: 2}
  - {label: Weighted Average FICO, kind: weighted_average, field: fico}
  - {label: Largest State Concentration (%), kind: largest_state}
  - {label: Second Largest State Concentration (%), kind: largest_state, rank: 2}
  - {label: Third Largest State Concentration (%), kind: largest_state, rank: 3}
  - {label: Full Documentation (%), kind: share, field: doc_type, value: full}
  - {label: Owner Occupied (%), kind: share, field: occupancy, value: primary}
  - {label: Cash-Out Refinance (%), kind: share, field: purpose, value: cash_out_refinance}
tables: {defaults: false}
"""


def largest_state(loans: list[Loan], rank: int = 1) -> str:
    """The `rank`-th state by balance (ties by code), its share and code as printed: '39.55 (CA)'; N/A when the loans are in fewer states."""
    by_state: dict[str, int] = {}
    for r in loans:
        by_state[r["PROP_ST"]] = by_state.get(r["PROP_ST"], 0) + cents(r)
    ranked = sorted(by_state, key=lambda s: (-by_state[s], s))
    if len(ranked) < rank:
        return "N/A"
    state = ranked[rank - 1]
    return f"{shown(Fraction(100 * by_state[state], balance(loans)), 2)} ({state})"


def test_jpmmt_2004_s2_pool_data_prints_a_column_per_loan_group_and_the_total(tmp_path: Path) -> None:
    deal = prime_deal(tmp_path, POOL_DATA_2004)
    text = edgar_text(render(deal))
    block = printed(text, "POOL DATA")
    assert block.heads == ["Characteristic", "Group 1", "Group 2", "Total"]
    loans = loans_of(deal)
    columns = [[r for r in loans if r["GRP"] == "1"], [r for r in loans if r["GRP"] == "2"], loans]
    expected = {
        "Aggregate Current Principal Balance ($)": [shown(Fraction(balance(c), 100)) for c in columns],
        "Number of Mortgage Loans": [f"{len(c):,}" for c in columns],
        "Average Current Principal Balance ($)": [shown(Fraction(balance(c), 100 * len(c))) for c in columns],
        "Weighted Average Mortgage Rate (%)": [weighted(c, "CURR_RATE", 3, 3) for c in columns],
        "Weighted Average Remaining Term (months)": [weighted(c, "RTM", 0) for c in columns],
        "Weighted Average Seasoning (months)": [shown(Fraction(sum(cents(r) * loan_age(r) for r in c), balance(c))) for c in columns],
        "Weighted Average Original LTV (%)": [weighted(c, "ORIG_LTV", 3, 2) for c in columns],
        "Weighted Average FICO": [weighted(c, "FICO_SCORE", 0) for c in columns],
        "Largest State Concentration (%)": [largest_state(c) for c in columns],
        "Second Largest State Concentration (%)": [largest_state(c, 2) for c in columns],
        "Third Largest State Concentration (%)": [largest_state(c, 3) for c in columns],
        "Full Documentation (%)": [share(c, lambda r: r["DOC_LVL"] == "FULL") for c in columns],
        "Owner Occupied (%)": [share(c, lambda r: r["OCC"] == "O") for c in columns],
        "Cash-Out Refinance (%)": [share(c, lambda r: r["LOAN_PURP"] == "C") for c in columns],
    }
    assert dict(block.rows) == expected
    assert block.labels == list(expected)  # in the deal file's order
    assert "two loan groups (Group 1 and Group 2)" in " ".join(text.split())


ARM_COLUMNS = """
        - {id: count, kind: count, header: [Number of, Loans]}
        - {id: balance, kind: balance, header: [Aggregate, Current, Principal ($)]}
        - {id: pct, kind: percent, of: pool, header: ["% of Aggregate", Current, Principal]}
        - {id: wa_margin, kind: weighted_average, field: margin, header: [WA Gross, Margin (%)]}
        - {id: wa_max_rate, kind: weighted_average, field: maximum_rate, header: [WA Maximum, Rate (%)]}
        - {id: wa_roll, kind: weighted_average, field: months_to_roll, header: [WA Months, to Roll]}
        - {id: pct_io, kind: share, field: interest_only_term, value: 120, header: ["% IO"]}"""
ARM_DATA_2006 = f"""
groups: {{field: loan_group, labels: {{"1": Group 1, "2": Group 2}}, total_label: Total Pool}}
summary:
  - {{label: Weighted Average Gross Margin (%), kind: weighted_average, field: margin, only_groups: ["2"]}}
  - {{label: Weighted Average Maximum Rate (%), kind: weighted_average, field: maximum_rate, only_groups: ["2"]}}
  - {{label: Weighted Average Months to Roll, kind: weighted_average, field: months_to_roll, only_groups: ["2"]}}
  - {{label: Interest-Only (%), kind: share, field: interest_only_term, value: 120}}
tables:
  defaults: false
  tables:
    - id: arm-data
      title: [ARM DATA]
      header: [Index]
      field: arm_index
      only_groups: ["2"]
      rule: {{kind: categories, categories: [{{value: SOFR30A, label: 30-Day Average SOFR}}]}}
      columns:{ARM_COLUMNS}
    - id: maximum-rate
      title: [MAXIMUM MORTGAGE RATES]
      header: [Maximum Rate (%)]
      field: maximum_rate
      only_groups: ["2"]
      rule: {{kind: bands, edges: [11.499, 11.999, 12.499], clamp_to_data: true, label: '{{{{ lo | fixed(3) }}}} - {{{{ hi | fixed(3) }}}}'}}
      columns:{ARM_COLUMNS}
    - id: months-to-roll
      title: [MONTHS TO NEXT RATE ADJUSTMENT]
      header: [Months to Roll]
      field: months_to_roll
      only_groups: ["2"]
      rule: {{kind: bands, edges: [84, 108], first_label: '{{{{ hi }}}} and under', label: '{{{{ lo }}}} - {{{{ hi }}}}', last_label: '{{{{ lo }}}} and over'}}
      columns:{ARM_COLUMNS}
    - id: io-term
      title: [INTEREST-ONLY TERM]
      header: [Interest-Only Term]
      field: interest_only_term
      only_groups: ["2"]
      rule: {{kind: categories, categories: [{{value: 0, label: None}}, {{value: 120, label: 120 Months}}]}}
      columns:{ARM_COLUMNS}
"""
ARM_HEADINGS = ["Number of Loans", "Aggregate Current Principal ($)", "% of Aggregate Current Principal", "WA Gross Margin (%)",
                "WA Maximum Rate (%)", "WA Months to Roll", "% IO"]  # fmt: skip


def test_jpalt_2006_a1_arm_data_prints_for_the_arm_group_only_with_percent_of_aggregate_current_principal(tmp_path: Path) -> None:
    deal = prime_deal(tmp_path, ARM_DATA_2006)
    text = edgar_text(render(deal))
    loans = loans_of(deal)
    arms = [r for r in loans if r["GRP"] == "2"]
    assert arms and all(r["AMORT_TYPE"] == "ARM" for r in arms) and all(r["AMORT_TYPE"] == "FIXED" for r in loans if r["GRP"] == "1")

    def figures(rows: list[Loan]) -> list[str]:  # the weighted averages and the IO share of a row
        margin, top = weighted(rows, "GROSS_MARGIN", 3, 3), weighted(rows, "MAX_RATE", 3, 3)
        return [margin, top, weighted(rows, "MTR", 0), share(rows, lambda r: r["IO_MONTHS"] == "120")]

    tables = {
        "ARM DATA": {"30-Day Average SOFR": arms},
        "MAXIMUM MORTGAGE RATES": None,  # rows below, from the bands and the data's outer bounds
        "MONTHS TO NEXT RATE ADJUSTMENT": {"84 and under": [r for r in arms if int(r["MTR"]) <= 84], "109 and over": [r for r in arms if int(r["MTR"]) > 108]},
        "INTEREST-ONLY TERM": {"None": [r for r in arms if r["IO_MONTHS"] == "0"], "120 Months": [r for r in arms if r["IO_MONTHS"] == "120"]},
    }
    rates = sorted({scaled(r["MAX_RATE"], 3) for r in arms})
    bands: dict[int, list[Loan]] = {}
    for r in arms:
        bands.setdefault(band(scaled(r["MAX_RATE"], 3), [11_499, 11_999, 12_499]), []).append(r)
    lows = {1: 11_500, 2: 12_000, 3: 12_500}
    highs = {0: 11_499, 1: 11_999, 2: 12_499}
    keys = sorted(bands)
    tables["MAXIMUM MORTGAGE RATES"] = {  # clamp_to_data: the first row starts at the lowest rate, the last ends at the highest
        f"{shown(Fraction(rates[0] if k == keys[0] else lows[k], 1000), 3)} - {shown(Fraction(rates[-1] if k == keys[-1] else highs[k], 1000), 3)}": bands[k]
        for k in keys
    }
    for title, rows_by_label in tables.items():
        assert rows_by_label
        for group in ("Group 1", "Total Pool"):  # printed for the ARM group only
            assert not any(line.strip() == title and nxt.strip() == group for line, nxt in zip(text.splitlines(), text.splitlines()[1:], strict=False))
        table = printed(text, title, "Group 2")
        assert table.heads[1:] == ARM_HEADINGS
        assert table.labels == [*(label for label, rows in rows_by_label.items() if rows), "Total"]
        for label, rows in [*rows_by_label.items(), ("Total", arms)]:
            if rows:
                assert table.row(label)[0] == f"{len(rows):,}" and table.row(label)[3:] == figures(rows), (title, label)
        labels = [label for label, rows in rows_by_label.items() if rows]
        total, pool = balance(arms), balance(loans)  # of: pool: each row's share of the whole pool, footed to the ARM group's share
        assert table.row("Total")[1:3] == [shown(Fraction(total, 100)), shown(Fraction(100 * total, pool), 2)]
        assert_footed([table.row(lb)[2] for lb in labels], [Fraction(100 * balance(rows_by_label[lb]), pool) for lb in labels], 2, table.row("Total")[2])
    block = printed(text, "POOL DATA")
    assert block.heads == ["Characteristic", "Group 1", "Group 2", "Total Pool"]
    expected = figures(arms)
    for n, label in enumerate(["Weighted Average Gross Margin (%)", "Weighted Average Maximum Rate (%)", "Weighted Average Months to Roll"]):
        assert block.row(label) == ["", expected[n], expected[n]]  # only_groups: blank for the fixed-rate group; the pool's are its ARMs'
    assert block.row("Interest-Only (%)") == ["0.00", expected[3], share(loans, lambda r: r["IO_MONTHS"] == "120")]


FICO_3 = "{kind: bands, edges: [719, 759, 799], first_label: '{{ hi }} and below', label: '{{ lo }} - {{ hi }}', last_label: '{{ lo }} and above'}"
LTV_BANDS = "{kind: bands, edges: [60, 70, 80], label: '{{ lo | fixed(0) }}-{{ hi | fixed(0) }}',"
LTV_BANDS += " first_label: '<= {{ hi | fixed(0) }}', last_label: '> {{ lo | fixed(0) }}'}"
FICO_BY_LTV = f"""
groups: {{field: loan_group, labels: {{"1": Group 1, "2": Group 2}}, total_label: Total Pool}}
tables:
  defaults: false
  tables:
    - id: fico-ltv
      title: [CREDIT SCORE BY ORIGINAL LTV (% OF BALANCE)]
      header: [Credit Score]
      field: fico
      rule: {FICO_3}
      across: {{field: ltv, header: [Original LTV (%)], rule: {LTV_BANDS}}}
      cell: percent
    - id: fico-ltv-count
      title: [CREDIT SCORE BY ORIGINAL LTV (NUMBER OF LOANS)]
      header: [Credit Score]
      field: fico
      print_for: pool
      rule: {FICO_3}
      across: {{field: ltv, header: [Original LTV (%)], rule: {LTV_BANDS}}}
      cell: count
"""
DOWN = ["719 and below", "720 - 759", "760 - 799", "800 and above", "Not Available"]
ACROSS = ["<= 60", "60-70", "70-80", "> 80"]  # '{{ lo | fixed(0) }}': 60.001 prints 60


def test_fico_by_ltv_matrix_foots_to_100_for_each_group_and_the_pool(tmp_path: Path) -> None:
    deal = prime_deal(tmp_path, FICO_BY_LTV)
    text = edgar_text(render(deal))
    loans = loans_of(deal)

    def cell(r: Loan) -> tuple[str, str]:
        down = "Not Available" if not r["FICO_SCORE"] else DOWN[band(int(r["FICO_SCORE"]), [719, 759, 799])]
        return down, ACROSS[band(scaled(r["ORIG_LTV"], 3), [60_000, 70_000, 80_000])]

    for group, rows in (("Group 1", [r for r in loans if r["GRP"] == "1"]), ("Group 2", [r for r in loans if r["GRP"] == "2"]), ("Total Pool", loans)):
        matrix = printed(text, "CREDIT SCORE BY ORIGINAL LTV (% OF BALANCE)", group)
        assert matrix.span == "Original LTV (%)" and matrix.heads == ["Credit Score", *ACROSS, "Total"]
        assert matrix.labels == [*DOWN, "Total"]
        total = balance(rows)
        printed_cells, exact = [], []
        for down in DOWN:
            figures = matrix.row(down)
            assert number(figures[-1]) == sum(map(number, figures[:-1]))  # a row's total is its printed cells' sum
            for across, figure in zip(ACROSS, figures[:-1], strict=True):
                printed_cells.append(figure)
                exact.append(Fraction(100 * sum(cents(r) for r in rows if cell(r) == (down, across)), total))
        assert_footed(printed_cells, exact, 2, "100.00")
        assert matrix.row("Total")[-1] == "100.00"
        for j in range(len(ACROSS)):  # a column's total is its printed cells' sum
            assert number(matrix.row("Total")[j]) == sum(number(matrix.row(down)[j]) for down in DOWN)
    counts = printed(text, "CREDIT SCORE BY ORIGINAL LTV (NUMBER OF LOANS)", "Total Pool")
    for down in DOWN:
        expected = [sum(cell(r) == (down, across) for r in loans) for across in ACROSS]
        assert counts.row(down) == [f"{n:,}" for n in [*expected, sum(expected)]]
    assert counts.row("Total")[-1] == f"{len(loans):,}"
    assert "CREDIT SCORE BY ORIGINAL LTV (NUMBER OF LOANS)" in text and text.count("CREDIT SCORE BY ORIGINAL LTV (NUMBER OF LOANS)") == 1


THREE_GROUPS = """
custom_fields:
  - {name: deal_group, column: DEAL_GRP, kind: category, codes: {I: I, II: II, III: III}}
groups: {field: deal_group, labels: {I: Group I, II: Group II, III: Group III}, total_label: Total Pool}
summary:
  - {label: Number of Mortgage Loans, kind: count}
  - {label: Aggregate Current Principal Balance ($), kind: balance}
  - {label: Weighted Average Mortgage Rate (%), kind: weighted_average, field: note_rate}
  - {label: Weighted Average FICO, kind: weighted_average, field: fico}
  - {label: Weighted Average Months to Roll, kind: weighted_average, field: months_to_roll}
tables:
  defaults: false
  tables:
    - id: rate
      title: [MORTGAGE RATES]
      header: [Mortgage Rate (%)]
      field: note_rate
      rule: {kind: bands, edges: [6.249, 6.749, 7.249], label: '{{ lo | fixed(3) }} - {{ hi | fixed(3) }}',
             first_label: '{{ hi | fixed(3) }} and below', last_label: '{{ lo | fixed(3) }} and above'}
      columns: &columns
        - {id: count, kind: count, header: [Number of, Loans]}
        - {id: balance, kind: balance, header: [Aggregate, Principal, Balance ($)]}
        - {id: pct, kind: percent, header: ["% of", Group]}
        - {id: wa_fico, kind: weighted_average, field: fico, header: [WA, FICO]}
    - id: occupancy
      title: [OCCUPANCY]
      header: [Occupancy]
      field: occupancy
      rule: {kind: categories, categories: [{value: primary, label: Primary}, {value: second_home, label: Second Home}, {value: investor, label: Investor}]}
      columns: *columns
    - id: roll
      title: [MONTHS TO ROLL]
      header: [Months to Roll]
      field: months_to_roll
      only_groups: [II, III]
      rule: {kind: bands, edges: [84], first_label: '{{ hi }} and under', label: '{{ lo }} - {{ hi }}', last_label: '{{ lo }} and over'}
      columns: *columns
"""
GROUPS = ["Group I", "Group II", "Group III"]


def three_groups(rows: list[Loan]) -> None:
    """Groups I-III as a tape column: the fixed-rate loans, the 7/1 ARMs (84 months or less to roll) and the 10/1 ARMs."""
    for row in rows:
        row["DEAL_GRP"] = "I" if row["GRP"] == "1" else "II" if int(row["MTR"]) <= 84 else "III"


def test_three_loan_groups_print_each_table_per_group_and_for_the_pool(tmp_path: Path) -> None:
    deal = prime_deal(tmp_path, THREE_GROUPS, three_groups)
    out = render(deal, "txt,htm")
    text = edgar_text(out)
    loans = loans_of(deal)
    members = {label: [r for r in loans if r["DEAL_GRP"] == code] for label, code in zip(GROUPS, ("I", "II", "III"), strict=True)}
    members["Total Pool"] = loans
    assert all(members.values()) and sum(len(members[g]) for g in GROUPS) == len(loans)
    assert "three loan groups (Group I, Group II and Group III)" in " ".join(text.split())
    block = printed(text, "POOL DATA")
    assert block.heads == ["Characteristic", *GROUPS, "Total Pool"]
    assert block.row("Number of Mortgage Loans") == [f"{len(rows):,}" for rows in members.values()]
    assert block.row("Aggregate Current Principal Balance ($)") == [shown(Fraction(balance(rows), 100)) for rows in members.values()]
    assert block.row("Weighted Average Mortgage Rate (%)") == [weighted(rows, "CURR_RATE", 3, 3) for rows in members.values()]
    assert block.row("Weighted Average FICO") == [weighted(rows, "FICO_SCORE", 0) for rows in members.values()]
    assert block.row("Weighted Average Months to Roll") == ["N/A", *(weighted(members[g], "MTR", 0) for g in GROUPS[1:]), weighted(loans, "MTR", 0)]
    titles = [line.strip() for line in text.splitlines()]
    for title, groups in (("MORTGAGE RATES", [*GROUPS, "Total Pool"]), ("OCCUPANCY", [*GROUPS, "Total Pool"]), ("MONTHS TO ROLL", GROUPS[1:])):
        assert [titles[i + 1] for i, line in enumerate(titles) if line == title] == groups  # per group, in order, then the pool
        for group in groups:
            table = printed(text, title, group)
            rows = members[group]
            assert table.row("Total") == [f"{len(rows):,}", shown(Fraction(balance(rows), 100)), "100.00", weighted(rows, "FICO_SCORE", 0)]
    occupancy = printed(text, "OCCUPANCY", "Group III")
    for label, code in (("Primary", "O"), ("Second Home", "S"), ("Investor", "I")):
        rows = [r for r in members["Group III"] if r["OCC"] == code]
        if rows:
            assert occupancy.row(label)[0] == f"{len(rows):,}" and occupancy.row(label)[3] == weighted(rows, "FICO_SCORE", 0)
    html = HtmTables((out / f"{DOCUMENT}.htm").read_text()).tables
    assert [t[0] for t in html if t[0][0].startswith("MORTGAGE RATES")] == [[f"MORTGAGE RATES {g}"] for g in [*GROUPS, "Total Pool"]]


# --- EDGAR HTML, read back ----------------------------------------------------------------------


class HtmTables(HTMLParser):
    """Every <table> of an EDGAR HTML document as rows of cell texts (a <br> read as a space)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag == "td":
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self.tables:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
