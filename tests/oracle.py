"""An independent reference for every printed figure of the modern tables: the tape's text in, integers and fractions out.

It reads the tape with the csv module and computes with `int` and `Fraction` only: no polars,
nothing from the product's pool package. Its rules are the README's ("Exact numbers", "Modern
term-sheet tables"): balances footed to whole dollars and percents to hundredths by largest
remainder (floor, then the rows with the largest remainders; ties: larger balance, then the
earlier row) to the half-up rounded total; every other figure rounded once, half-up.

A deal-file table is the plain dict the tests write into the deal file, so that the oracle
and the product read the same description; figures come out as the JSON export prints them
(integers for counts and dollars, decimal text for the rest, None for not available).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

Value = int | str | bool | dt.date | None
"""A loan's field as stored: a scaled integer (cents, thousandths of a percent, months), a category or code, a flag, a date; None is blank."""
Loan = dict[str, Value]


@dataclass(frozen=True)
class FieldDef:
    """How the oracle reads one field from the tape: its header, and its decimals (a number), codes (a category) or a date format."""

    header: str
    decimals: int | None = None  # a number stored times 10**decimals
    codes: Mapping[str, str | bool] | None = None  # a category or a flag: tape code to category name, or to true or false
    date_format: str | None = None  # a date


STATE_NAMES = {
    "CA": "California", "CO": "Colorado", "FL": "Florida", "IL": "Illinois", "MA": "Massachusetts", "MD": "Maryland",
    "NJ": "New Jersey", "NY": "New York", "TX": "Texas", "VA": "Virginia", "WA": "Washington",
}  # fmt: skip
"""The states the tests' tapes hold, by USPS code: a states table orders its rows by these names."""


def scaled(text: str, decimals: int) -> int:
    """A tape number's text as an integer in its scale: '6.875' at 3 decimals is 6875; no float on the way."""
    text = text.strip()
    sign = -1 if text.startswith("-") else 1
    whole, _, fraction = text.lstrip("+-").partition(".")
    assert len(fraction) <= decimals, f"{text} has more than {decimals} decimals"
    unit: int = 10**decimals
    return sign * (int(whole or "0") * unit + int((fraction + "0" * decimals)[:decimals] or "0"))


def written(value: object) -> str:
    """A number as the deal file writes it: a Decimal in plain notation (120, never 1.2E+2)."""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def read_loans(tape: Path, fields: Mapping[str, FieldDef]) -> list[Loan]:
    """The tape's loans, each field stored as the oracle computes with it (blank cells None)."""
    with tape.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    loans = []
    for row in rows:
        loan: Loan = {}
        for name, field in fields.items():
            text = row[field.header].strip()
            if not text:
                loan[name] = None
            elif field.decimals is not None:
                loan[name] = scaled(text, field.decimals)
            elif field.codes is not None:
                loan[name] = field.codes[text]
            elif field.date_format is not None:
                loan[name] = dt.datetime.strptime(text, field.date_format).date()
            else:
                loan[name] = text
        loans.append(loan)
    return loans


# --- rounding ----------------------------------------------------------------------------------


def half_up_int(value: Fraction) -> int:
    """The nearest integer, halves away from zero."""
    sign = -1 if value < 0 else 1
    value = abs(value)
    return sign * ((value.numerator * 2 + value.denominator) // (2 * value.denominator))


def decimal_text(units: int, places: int) -> str:
    """An integer count of 10**-places as the export writes it: 6875 at 3 places is '6.875'."""
    sign, units = ("-", -units) if units < 0 else ("", units)
    if not places:
        return f"{sign}{units}"
    digits = str(units).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def rounded(value: Fraction, places: int) -> str:
    """An exact value rounded half-up to `places` decimals, as text."""
    return decimal_text(half_up_int(value * 10**places), places)


def footed(parts: Sequence[int], denominator: int, target: int | None = None) -> list[int]:
    """Each part / denominator rounded to an integer so that they sum to `target` (default: the half-up rounded total).

    Largest remainder: every part floored, then one more to each of the parts with the largest
    remainders, ties to the larger part, then the earlier one.
    """
    if target is None:
        target = half_up_int(Fraction(sum(parts), denominator))
    floors = [p // denominator for p in parts]
    owed = target - sum(floors)
    assert 0 <= owed <= len(parts), "the target is not reachable by rounding each part up or down"
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] % denominator), -parts[i], i))
    for i in order[:owed]:
        floors[i] += 1
    return floors


# --- one-way tables ----------------------------------------------------------------------------

MISSING = "missing"
"""The key of the row of loans whose field is blank (printed last)."""


@dataclass(frozen=True)
class Axis:
    """A rule applied to loans: each loan's row key, and the rows' keys and labels in print order."""

    field: str
    rule: Mapping[str, Any]
    decimals: int | None
    keep_empty: bool = False
    missing_label: str = "Not Available"

    def edges(self) -> list[int]:
        assert self.decimals is not None
        return [scaled(written(e), self.decimals) for e in self.rule["edges"]]

    def key(self, loan: Loan) -> Any:
        """The loan's row: a band's index, a category's index (the other row after them), a year, a state code; MISSING if blank."""
        value = loan[self.field]
        kind = self.rule["kind"]
        if value is None and kind != "states":
            return MISSING
        if kind == "bands":
            assert isinstance(value, int)
            return next((i for i, edge in enumerate(self.edges()) if value <= edge), len(self.edges()))
        if kind == "categories":
            listed = [str(c["value"]) for c in self.rule["categories"]]
            if str(value) in listed:
                return listed.index(str(value))
            assert "other_label" in self.rule, f"{value} falls in no category"
            return len(listed)
        if kind == "yearly":
            assert isinstance(value, dt.date)
            return value.year
        return value

    def rows(self, loans: Sequence[Loan]) -> tuple[list[Any], list[str]]:
        """The keys of the rows printed for `loans`, in order, and their labels (a clamped band's outer bounds from these loans)."""
        found = {self.key(loan) for loan in loans}
        valued = found - {MISSING}
        kind = self.rule["kind"]
        keys: list[Any]
        if kind == "bands":
            count = len(self.rule["edges"]) + 1
            keys = list(range(count)) if self.keep_empty else sorted(valued)
            if self.keep_empty and self.rule.get("clamp_to_data"):
                keys = [k for k in keys if k in valued or 0 < k < count - 1]
            labels = self._band_labels(keys, loans)
        elif kind == "categories":
            names = [c["label"] for c in self.rule["categories"]] + [self.rule.get("other_label", "")]
            listed = len(self.rule["categories"])
            keys = list(range(listed)) if self.keep_empty else sorted(valued)
            if self.keep_empty and listed in valued:
                keys.append(listed)
            labels = [names[k] for k in keys]
        elif kind == "yearly":
            keys = sorted(valued)
            labels = [str(k) for k in keys]
        else:
            keys = sorted(valued, key=lambda code: STATE_NAMES[code])
            labels = [STATE_NAMES[k] for k in keys]
        if MISSING in found:
            keys, labels = [*keys, MISSING], [*labels, self.missing_label]
        return keys, labels

    def _bounds(self, keys: list[int], loans: Sequence[Loan]) -> list[tuple[int | None, int | None]]:
        """Each band's lowest and highest value in stored units (None: open), a clamped band's outer ones from these loans' values."""
        edges = self.edges()
        values = [v for loan in loans if isinstance(v := loan[self.field], int)]
        bounds = []
        for n, key in enumerate(keys):
            lo = edges[key - 1] + 1 if key > 0 else None
            hi = edges[key] if key < len(edges) else None
            if self.rule.get("clamp_to_data") and values:  # no value at all (a kept empty band only): the band's own edges
                lo = min(values) if n == 0 or lo is None else lo
                hi = max(values) if n == len(keys) - 1 or hi is None else hi
            bounds.append((lo, hi))
        return bounds

    def _band_labels(self, keys: list[int], loans: Sequence[Loan]) -> list[str]:
        """Labels as the tests write them: '{{ lo }} - {{ hi }}', 'to {{ hi }}', 'over {{ lo }}' (clamped: every row the first)."""
        assert self.decimals is not None
        labels = []
        for lo, hi in self._bounds(keys, loans):
            if lo is not None and lo == hi:  # a band of one value prints it once (the rule's default single_label)
                labels.append(decimal_text(lo, self.decimals))
            elif lo is not None and hi is not None:
                labels.append(f"{decimal_text(lo, self.decimals)} - {decimal_text(hi, self.decimals)}")
            elif lo is None:
                assert hi is not None
                labels.append(f"to {decimal_text(hi, self.decimals)}")
            else:
                labels.append(f"over {decimal_text(lo, self.decimals)}")
        return labels

    def holdings(self, keys: list[Any], loans: Sequence[Loan]) -> list[tuple[Any, ...]]:
        """What each row holds, equal for two rows of the same field only when they hold the same loans: a band's bounds, a category's value
        (the other row: all values listed), the blank row, a year, a state."""
        kind = self.rule["kind"]
        valued = [k for k in keys if k != MISSING]
        if kind == "bands":
            found: list[tuple[Any, ...]] = [(self.field, "band", lo, hi) for lo, hi in self._bounds(valued, loans)]
        elif kind == "categories":
            listed = [str(c["value"]) for c in self.rule["categories"]]
            found = [(self.field, "other", frozenset(listed)) if k == len(listed) else (self.field, "category", listed[k]) for k in valued]
        else:
            found = [(self.field, kind, k) for k in valued]
        return found + [(self.field, "blank")] * (len(keys) - len(valued))


def matches(value: Value, wanted: Any, decimals: int | None) -> bool:
    """Whether a loan's stored value is a share's value (or any of a list's), the value written in the field's units."""
    if value is None:
        return False
    for one in wanted if isinstance(wanted, list) else [wanted]:
        if decimals is not None:
            if value == scaled(written(one), decimals):
                return True
        elif str(value) == str(one):
            return True
    return False


def column_figure(column: Mapping[str, Any], loans: Sequence[Loan], decimals: Mapping[str, int]) -> Any:
    """A figure column over some loans (not count, balance or percent, which the table foots): as the export prints it."""
    kind = column["kind"]
    cents = balance_cents(loans)
    if kind == "average_balance":
        return half_up_int(Fraction(cents, 100 * len(loans))) if loans else None
    name = column["field"]
    if kind == "share":
        places = column.get("decimals", 2)
        counted = sum(_cents(loan) for loan in loans if matches(loan[name], column["value"], decimals.get(name)))
        return rounded(Fraction(counted * 100, cents), places) if cents else None
    unit = 10 ** decimals[name]
    places = column.get("decimals", decimals[name])
    having = [loan for loan in loans if loan[name] is not None]
    if kind == "weighted_average":
        weight = balance_cents(having)
        total = sum(_cents(loan) * _number(loan, name) for loan in having)
        return rounded(Fraction(total, weight * unit), places) if weight else None
    if not having:
        return None
    pick = min if kind == "minimum" else max
    return rounded(Fraction(pick(_number(loan, name) for loan in having), unit), places)


def balance_cents(loans: Sequence[Loan]) -> int:
    """The loans' balance in cents."""
    return sum(_cents(loan) for loan in loans)


def _cents(loan: Loan) -> int:
    value = loan["balance"]
    assert isinstance(value, int)
    return value


def _number(loan: Loan, name: str) -> int:
    value = loan[name]
    assert isinstance(value, int)
    return value


def percents(cents: Sequence[int], of: int | None = None) -> list[str]:
    """Each row's percent of the rows' balance (of `of`, the pool's, when given), footed in hundredths."""
    total = sum(cents)
    if of is None:
        hundredths = footed([c * 10_000 for c in cents], total) if total else [0] * len(cents)
    else:
        hundredths = footed([c * 10_000 for c in cents], of)
    return [decimal_text(h, 2) for h in hundredths]


def one_way(
    spec: Mapping[str, Any], loans: Sequence[Loan], decimals: Mapping[str, int], pool_cents: int | None = None
) -> dict[str, Any]:
    """A one-way table as the JSON export writes it: rows (label, count, balance, percent, figures) and the total.

    `pool_cents`, for a group's table, is what an `of: pool` percent is of (None: the pool's own table).
    """
    axis = Axis(spec["field"], spec["rule"], decimals.get(spec["field"]), spec.get("keep_empty", False), spec.get("missing_label", "Not Available"))
    keys, labels = axis.rows(loans)
    members = [[loan for loan in loans if axis.key(loan) == key] for key in keys]
    cents = [balance_cents(row) for row in members]
    total = sum(cents)
    dollars = footed(cents, 100)
    own = percents(cents)
    of_pool = percents(cents, pool_cents) if pool_cents else own
    whole_of_pool = rounded(Fraction(total * 100, pool_cents), 2) if pool_cents else ("100.00" if total else "0.00")
    columns = spec.get("columns") or []

    def figures(rows: Sequence[Loan], count: int, dollars_: int, percent: str, pool_percent: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for column in columns:
            kind = column["kind"]
            if kind == "count":
                out[column["id"]] = count
            elif kind == "balance":
                out[column["id"]] = dollars_
            elif kind == "percent":
                out[column["id"]] = pool_percent if column.get("of") == "pool" else percent
            else:
                out[column["id"]] = column_figure(column, rows, decimals)
        return out

    rows = [
        {"label": label, "count": len(row), "balance": d, "balance_exact": decimal_text(c, 2), "percent": p,
         **({"figures": figures(row, len(row), d, p, q)} if columns else {})}
        for label, row, c, d, p, q in zip(labels, members, cents, dollars, own, of_pool, strict=True)
    ]  # fmt: skip
    hundred = "100.00" if total else "0.00"
    whole = {"count": len(loans), "balance": sum(dollars), "balance_exact": decimal_text(total, 2)}
    if columns:
        whole["figures"] = figures(loans, len(loans), sum(dollars), hundred, whole_of_pool)
    return {"rows": rows, "total": whole}


# --- cross-tabs: the properties every controlled rounding must have ------------------------------


def crosstab_problems(
    spec: Mapping[str, Any], printed: Mapping[str, Any], loans: Sequence[Loan], decimals: Mapping[str, int],
    one_ways: Sequence[Mapping[str, Any]] = (),
) -> list[str]:
    """Where a printed cross-tab breaks the rules: [] when it keeps them all.

    Labels and order of both axes are the one-way tables' of the same field and rule. A row or
    column holding the same loans as a row of one of `one_ways` (the one-way tables printed for
    the same loans, in print order: the first such row counts) totals that row's printed figure
    (percent or whole dollars); the other rows' (columns') totals are footed by largest remainder
    to what remains of the grand total; every cell is the floor or the ceiling of its exact figure
    (a count exactly); cells add up to the printed totals and the totals to the table's total.
    Where no rounding of the cells meets those totals, each total is the floor or ceiling of its figure.
    """
    def axis_of(one: Mapping[str, Any], missing: str) -> Axis:
        return Axis(one["field"], one["rule"], decimals.get(one["field"]), one.get("keep_empty", False), missing)

    down = axis_of(spec, spec.get("missing_label", "Not Available"))
    across = axis_of(spec["across"], spec.get("missing_label", "Not Available"))
    row_keys, row_labels = down.rows(loans)
    col_keys, col_labels = across.rows(loans)
    problems = []
    if printed["row_labels"] != row_labels:
        problems.append(f"row labels {printed['row_labels']} != {row_labels}")
    if printed["column_labels"] != col_labels:
        problems.append(f"column labels {printed['column_labels']} != {col_labels}")
    if problems:
        return problems
    cell = spec.get("cell", "percent")
    total_cents = balance_cents(loans)

    def exact(chosen: Sequence[Loan]) -> Fraction:
        """A cell's or margin's figure before rounding, in the printed unit (hundredths of a percent, dollars, loans)."""
        if cell == "count":
            return Fraction(len(chosen))
        cents = balance_cents(chosen)
        if cell == "balance":
            return Fraction(cents, 100)
        return Fraction(cents * 10_000, total_cents) if total_cents else Fraction(0)

    def units(text: Any) -> int:
        """A printed figure in the printed unit: '12.34' is 1234 hundredths."""
        return int(Decimal(str(text)).scaleb(2)) if cell == "percent" else int(text)

    def footed_parts(axis: Axis, keys: list[Any], target: int | None = None) -> list[int] | None:
        """The rows' figures footed to `target` (default: the half-up total); None when no rounding of each part reaches it."""
        parts = [[loan for loan in loans if axis.key(loan) == key] for key in keys]
        if cell == "count":
            return [len(p) for p in parts]
        cents = [balance_cents(p) for p in parts]
        scaled_parts, unit = (cents, 100) if cell == "balance" else ([c * 10_000 for c in cents], total_cents)
        if not unit:
            return [0] * len(cents)
        floors = sum(p // unit for p in scaled_parts)
        if target is not None and not 0 <= target - floors <= sum(1 for p in scaled_parts if p % unit):
            return None
        return footed(scaled_parts, unit, target)

    stated: dict[tuple[Any, ...], int] = {}
    for one in one_ways:
        axis = axis_of(one, one.get("missing_label", "Not Available"))
        keys, _ = axis.rows(loans)
        figures = footed_parts(axis, keys)
        assert figures is not None
        for holding, figure in zip(axis.holdings(keys, loans), figures, strict=True):
            stated.setdefault(holding, figure)
    whole_figure = {"count": len(loans), "balance": half_up_int(Fraction(total_cents, 100))}.get(cell, 10_000 if total_cents else 0)

    def margin(axis: Axis, keys: list[Any]) -> list[int] | None:
        """The axis's totals: a one-way row's figure where one holds the same loans, the others footed to what remains; None if unreachable."""
        fixed = [stated.get(h) for h in axis.holdings(keys, loans)] if cell != "count" else [None] * len(keys)
        free = [k for k, f in zip(keys, fixed, strict=True) if f is None]
        rest = footed_parts(axis, free, whole_figure - sum(f for f in fixed if f is not None))
        if rest is None:
            return None
        others = iter(rest)
        return [next(others) if f is None else f for f in fixed]

    cells = [[units(x) for x in row] for row in printed["cells"]]
    row_totals, col_totals = [units(x) for x in printed["row_totals"]], [units(x) for x in printed["column_totals"]]
    shares = [[exact([loan for loan in loans if down.key(loan) == r and across.key(loan) == c]) for c in col_keys] for r in row_keys]
    margins = margin(down, row_keys), margin(across, col_keys)

    def next_to(share: Fraction) -> tuple[int, int]:
        return share.numerator // share.denominator, -(-share.numerator // share.denominator)

    for i, row in enumerate(shares):
        for j, share in enumerate(row):
            if cells[i][j] not in next_to(share):
                problems.append(f"cell [{row_labels[i]}][{col_labels[j]}] {printed['cells'][i][j]} is neither floor nor ceiling of {float(share)}")
    feasible = margins[0] is not None and margins[1] is not None and controlled_rounding_exists(shares, margins[0], margins[1])
    exact_margins = [sum(row, Fraction(0)) for row in shares], [sum(col, Fraction(0)) for col in zip(*shares, strict=True)]
    for what, want, got, whole_shares in (("row", margins[0], row_totals, exact_margins[0]), ("column", margins[1], col_totals, exact_margins[1])):
        if feasible and got != want:
            shown = [decimal_text(w, 2) if cell == "percent" else w for w in want or []]
            problems.append(f"{what} totals {printed[what + '_totals']} != the one-way tables' rows and the rest footed: {shown}")
        elif not feasible and any(g not in next_to(share) for g, share in zip(got, whole_shares, strict=True)):
            # no rounding keeps every cell next to its share with these totals: a total moves to its other neighbour
            problems.append(f"{what} totals {printed[what + '_totals']} are not each the floor or ceiling of their exact figures")
    if [sum(row) for row in cells] != row_totals:
        problems.append(f"rows of cells {[sum(row) for row in cells]} do not add up to the row totals {row_totals}")
    if [sum(col) for col in zip(*cells, strict=True)] != col_totals:
        problems.append("columns of cells do not add up to the column totals")
    whole = units(printed["total"])
    if whole != whole_figure or sum(row_totals) != whole or sum(col_totals) != whole:
        problems.append(f"total {printed['total']}: rows add to {sum(row_totals)}, columns to {sum(col_totals)}, expected {whole_figure}")
    return problems


def controlled_rounding_exists(shares: Sequence[Sequence[Fraction]], row_totals: Sequence[int], column_totals: Sequence[int]) -> bool:
    """Whether each cell can be its share's floor or ceiling with the rows and columns adding up to these totals.

    A bipartite flow: each row owes its total less its cells' floors in units, each column
    takes as many, and a cell whose share is not whole passes at most one unit (augmenting paths).
    Some tables have none: a row's only loans may sit in a column whose total rounds down to 0.
    """
    floors = [[s.numerator // s.denominator for s in row] for row in shares]
    owed = [total - sum(row) for total, row in zip(row_totals, floors, strict=True)]
    taken = [total - sum(column) for total, column in zip(column_totals, zip(*floors, strict=True), strict=True)] if floors else list(column_totals)
    if min(owed + taken, default=0) < 0 or sum(owed) != sum(taken):
        return False
    rows, columns = len(owed), len(taken)
    source, sink = rows + columns, rows + columns + 1
    capacity: dict[tuple[int, int], int] = {}
    for i, n in enumerate(owed):
        capacity[source, i] = n
    for j, n in enumerate(taken):
        capacity[rows + j, sink] = n
    for i, row in enumerate(shares):
        for j, share in enumerate(row):
            if share.denominator != 1:
                capacity[i, rows + j] = 1
    flow = 0
    while True:  # Edmonds-Karp: the shortest path with room left, until none
        back = {source: source}
        queue = [source]
        for node in queue:
            for (a, b), room in list(capacity.items()):
                if a == node and room > 0 and b not in back:
                    back[b] = a
                    queue.append(b)
        if sink not in back:
            return flow == sum(owed)
        node = sink
        while node != source:
            capacity[back[node], node] -= 1
            capacity[node, back[node]] = capacity.get((node, back[node]), 0) + 1
            node = back[node]
        flow += 1


# --- the pool-data block -----------------------------------------------------------------------


def pool_data_line(
    item: Mapping[str, Any],
    frames: Sequence[tuple[str | None, Sequence[Loan]]],
    decimals: Mapping[str, int],
    printed: Sequence[tuple[Mapping[str, Any], str | None, Mapping[str, Any]]] = (),
) -> dict[str, Any]:
    """One pool-data line: a figure and a note per column (each group's, then the total), as the JSON export writes it.

    `printed` are the one-way tables printed, (spec, group key, `one_way`), in print order: a line
    that a row of one states prints that row's figure (`stated_figure`).
    """
    figures: list[Any] = []
    notes: list[str | None] = []
    for key, loans in frames:
        if key is not None and item.get("only_groups") is not None and key not in item["only_groups"]:
            figures.append(None)
            notes.append(None)
            continue
        figure, note = _line_figure(item, loans, decimals)
        if figure is not None and (stated := stated_figure(item, key, note, printed)) is not None:
            figure = stated
        figures.append(figure)
        notes.append(note)
    return {"figures": figures, "notes": notes}


def stated_figure(
    item: Mapping[str, Any], key: str | None, state: str | None, printed: Sequence[tuple[Mapping[str, Any], str | None, Mapping[str, Any]]]
) -> str | None:
    """The percent of the row stating a share (of one value) or largest_state line, in the first one-way table printed for group `key`.

    Only a line at 2 decimals without `match_table: false`; a states table states a state's
    share, a categories table the share of one category's value. None: the line's own figure.
    """
    if item.get("match_table", True) is False or item.get("decimals", 2) != 2:
        return None
    if item["kind"] == "largest_state":
        field, value = "state", state
    elif item["kind"] == "share":
        field, value = item["field"], item["value"]
        if isinstance(value, list):
            if len(value) != 1:
                return None
            value = value[0]
        if isinstance(value, dict):
            return None
    else:
        return None
    for spec, table_key, table in printed:
        kind = spec["rule"]["kind"]
        if table_key != key or "across" in spec or spec["field"] != field or kind not in ("states", "categories"):
            continue
        if item["kind"] == "largest_state" and kind != "states":
            continue
        if kind == "states":
            label = STATE_NAMES.get(str(value))
        else:
            labels = [c["label"] for c in spec["rule"]["categories"] if _same_value(c["value"], value)]
            label = labels[-1] if labels else None
        if label is None:
            return None
        return next((row["percent"] for row in table["rows"] if row["label"] == label), None)
    return None


def _same_value(a: Any, b: Any) -> bool:
    """A category's value and a share's as the loans hold them: numbers equal as decimals, flags as true or false, else as text."""
    if isinstance(a, bool) or isinstance(b, bool) or str(a).lower() in ("true", "false"):
        return str(a).lower() == str(b).lower()
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except ArithmeticError:
        return str(a) == str(b)


def _line_figure(item: Mapping[str, Any], loans: Sequence[Loan], decimals: Mapping[str, int]) -> tuple[Any, str | None]:
    kind = item["kind"]
    cents = balance_cents(loans)
    if kind == "count":
        return len(loans), None
    if kind == "balance":
        return half_up_int(Fraction(cents, 100)), None
    if kind == "largest_state":
        by_state: dict[str, int] = {}
        for loan in loans:
            state = loan["state"]
            assert isinstance(state, str)
            by_state[state] = by_state.get(state, 0) + _cents(loan)
        ranked = sorted(by_state.items(), key=lambda pair: (-pair[1], pair[0]))
        rank = item.get("rank", 1)
        if not cents or len(ranked) < rank:
            return None, None
        state, balance = ranked[rank - 1]
        return rounded(Fraction(balance * 100, cents), item.get("decimals", 2)), state
    return column_figure(item, loans, decimals), None


def group_frames(loans: Sequence[Loan], groups: Mapping[str, Any] | None) -> list[tuple[str | None, list[Loan]]]:
    """(group key, its loans) in the deal file's order, then the whole pool (key None)."""
    if groups is None:
        return [(None, list(loans))]
    field = groups.get("field", "loan_group")
    return [(key, [loan for loan in loans if str(loan[field]) == key]) for key in groups["labels"]] + [(None, list(loans))]


def printed_tables(
    specs: Sequence[Mapping[str, Any]], loans: Sequence[Loan], groups: Mapping[str, Any] | None
) -> list[tuple[Mapping[str, Any], str | None, list[Loan]]]:
    """(spec, group key, loans) of every table the deal prints, in print order: spec order, then group order, the pool's last."""
    out = []
    for spec in specs:
        for key, frame in group_frames(loans, groups):
            if groups is not None:
                only = spec.get("only_groups")
                print_for = spec.get("print_for", "both")
                if key is None and (print_for == "groups" or only is not None):
                    continue
                if key is not None and (print_for == "pool" or (only is not None and key not in only)):
                    continue
            out.append((spec, key, frame))
    return out

