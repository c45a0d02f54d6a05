"""Stratification tables: a loan field and a banding rule in; rows keyed and footed out.

Tables are data (`templates/strat-tables.yaml` and the deal file's `pool.tables`); this
module only groups the tape by the rule's row key in polars and rounds the sums so that
every table's printed rows add up to its printed total. Each row carries its key (a band's
bounds, a category, a year, a state); the documents layer renders its label (`documents.labels`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from pydantic import RootModel

from generator.deal.models import BandsRule, CategoriesRule, Category, DistinctRule, StatesRule, Tables, TableSpec, YearlyRule
from generator.errors import DealdocsError, DealFileError, Problem
from generator.fields import Kind, LoanField, by_unit, table_fields
from generator.installation import installed
from generator.pool import columns as figure_columns
from generator.pool.columns import ColumnProblem, Figure, held, share_value_problem, written
from generator.pool.exact import INT64_MAX, allocate, fits
from generator.pool.sums import Widths, sum_type
from generator.pool.usps import STATE_NAMES

if TYPE_CHECKING:
    import datetime as dt

    import polars as pl

    from generator.deal.loading import LoadedDeal
    from generator.pool.crosstab import CrossTab


def band_scales(registry: dict[str, LoanField] | None = None) -> dict[str, int]:
    """Decimal places of each field a table can band, as stored (cents, thousandths of a percent, months), by unit."""
    return {f.name: f.decimals for f in sorted((f for f in table_fields(registry) if f.band), key=by_unit) if f.decimals is not None}  # all: banded is numeric


SCALES = band_scales()
"""The registry's bandable fields and their decimals, listed by unit as the bands messages name them."""

MAX_SCALED = 10**15
"""Band edges beyond this many of the field's units ($10 trillion, 10^12 percent) are no real band."""

CATEGORIES = figure_columns.CATEGORIES
"""The categories a coded field's values are mapped to (the deal file's `codes`); a share's value and a categories rule take them."""


@dataclass(frozen=True)
class Band:
    """A band row's bounds in the field's units (None: the open side) and the rule's key of the label that prints it."""

    lo: Decimal | None
    hi: Decimal | None
    which: str  # the rule's key that labels it: "label", "first_label", "last_label", or "single_label" for a band whose lo equals its hi
    edge: Decimal | None = None  # an open band's own edge (`edge` in its label): the first edge below it, the last above it


RowKey = Band | Decimal | int | str | None
"""What a row stands for: a band, a distinct value (in the field's units), a category's index (one past the last: other_label), a year,
a state code; None for blank loans."""


@dataclass(frozen=True)
class Row:
    """One row of a table: its key, its loans and their balance, rounded so that the rows foot; its label once rendered."""

    key: RowKey
    count: int
    balance_cents: int
    balance: int  # whole dollars, footed to the table's total
    percent: Decimal  # share of the table's balance, 2 decimals, footed to 100.00
    figures: tuple[Figure, ...] = ()  # one per column of `spec.columns`, when the spec lists columns
    label: str = ""  # rendered from the key by the documents layer (`documents.labels.labelled`)
    by: int | str | None = None  # the group-by key its loans share (`loan_rows`), so that a comparison of tapes can name them


@dataclass(frozen=True)
class Table:
    """A computed table: the spec it came from, its rows and its total, as every output prints them."""

    spec: TableSpec
    rows: list[Row]
    count: int
    balance_cents: int
    balance: int  # whole dollars, half-up; equals the sum of the rows' balances
    figures: tuple[Figure, ...] = ()  # the total row's figure per column of `spec.columns`
    group: str | None = None  # the loan group's label (pool.groups), None for the whole pool of an ungrouped deal
    group_key: str | None = None  # the group's tape value; None for the whole pool


class TableList(RootModel[list[TableSpec]]):
    """The list of table specs in `strat-tables.yaml`, validated like a deal file's."""


@cache
def default_tables() -> tuple[TableSpec, ...]:
    """The shelf's default tables, from `strat-tables.yaml` in the templates: a deal file drops, replaces or adds to them.

    Returns:
        The default table specs, in order (read once).

    Raises:
        DealdocsError: The installed `strat-tables.yaml` is broken.
    """
    from generator.deal.loading import parse_yaml, validate_model

    path = installed("templates") / "strat-tables.yaml"
    data, root = parse_yaml(path)
    return tuple(validate_model(TableList, data, path, root).root)


class TablePlaces:
    """Where a deal's tables are written, so that a problem with a table names the deal file's line to fix.

    Without a loaded deal (a table built in code), problems name the table by its id only.
    """

    def __init__(self, loaded: LoadedDeal | None = None) -> None:
        self.loaded = loaded
        tables = loaded.deal.term_sheet.pool.tables if loaded is not None and loaded.deal.term_sheet is not None else None
        self._own = {} if tables is None else {id(spec): i for i, spec in enumerate(tables.tables)}

    BASE = ("term_sheet", "pool", "tables")

    def code_maps(self) -> dict[str, dict[str, Any]] | None:
        """The deal's tape codes by field (`Pool.code_maps`), so that a message can name the category a code maps to; None without a deal."""
        term_sheet = None if self.loaded is None else self.loaded.deal.term_sheet
        return None if term_sheet is None else term_sheet.pool.code_maps()

    def drop(self, index: int, value: str, message: str) -> Problem:
        """A problem with the deal file's `drop` entry `index`."""
        if self.loaded is None:
            return Problem("deal", None, "pool.tables.drop", value, message)
        return self.loaded.problem((*self.BASE, "drop", index), value, message)

    def spec(self, spec: TableSpec, loc: tuple[str | int, ...], value: str | None, message: str) -> Problem:
        """A problem at `loc` inside a table spec: its deal-file line, or the defaults key for a default table."""
        if self.loaded is None:
            return Problem("deal", None, ".".join(map(str, ("tables", spec.id, *loc))), value, message)
        if id(spec) in self._own:
            return self.loaded.problem((*self.BASE, "tables", self._own[id(spec)], *loc), value, message)
        where = ".".join(map(str, loc))  # a default table: the deal file replaces or drops it
        return self.loaded.problem(
            (*self.BASE, "defaults"), value,
            f"default table `{spec.id}` ({where}): {message}; replace it under tables.tables (same id) or drop it",
        )  # fmt: skip


class _SpecProblem(Exception):
    """A problem with a table spec, at a key path relative to the spec; placed by TablePlaces."""

    def __init__(self, loc: tuple[str | int, ...], value: str | None, message: str) -> None:
        super().__init__(message)
        self.loc, self.value, self.message = loc, value, message


def _unknown_drops(tables: Tables, places: TablePlaces) -> list[Problem]:
    known = {t.id for t in default_tables()} if tables.defaults else set()
    return [places.drop(i, d, "no default table has this id") for i, d in enumerate(tables.drop) if d not in known]


def resolve_tables(tables: Tables, places: TablePlaces | None = None) -> list[TableSpec]:
    """The deal's tables: the defaults less those dropped, with replacements in place and additions at the end.

    Args:
        tables: The pool's `tables` section.
        places: Where the section's keys are in the deal file, so that problems name their lines.

    Returns:
        The table specs to compute, in print order.

    Raises:
        DealdocsError: The section drops a table no default has (placed at its line).
    """
    if problems := _unknown_drops(tables, places or TablePlaces()):
        raise DealFileError(problems)
    return _chosen(tables)


def _chosen(tables: Tables) -> list[TableSpec]:
    base = list(default_tables()) if tables.defaults else []
    chosen = [t for t in base if t.id not in tables.drop]
    for spec in tables.tables:
        at = next((i for i, t in enumerate(chosen) if t.id == spec.id), None)
        if at is None:
            chosen.append(spec)
        else:
            chosen[at] = spec
    return chosen


def _scale(spec: TableSpec) -> int:
    """Decimals the banded field is stored with (canonical or custom: its `loan_field`)."""
    field = spec.field.loan_field
    if not field.band or field.decimals is None:
        raise _SpecProblem(("field",), spec.field.value, f"bands need a numeric field ({', '.join(SCALES)})")
    return field.decimals


def _scaled_edges(spec: TableSpec, rule: BandsRule) -> list[int]:
    scale = _scale(spec)
    edges = [e.scaleb(scale) for e in rule.edges]
    for edge, scaled in zip(rule.edges, edges, strict=True):
        if abs(scaled) > MAX_SCALED:
            limit = MAX_SCALED // 10**scale
            raise _SpecProblem(("rule", "edges"), str(edge), f"band edge too large: {spec.field.value} edges are at most {limit:,}")
        if scaled != scaled.to_integral_value():
            raise _SpecProblem(("rule", "edges"), str(edge), f"finer than {spec.field.value} is stored: its edges have at most {scale} decimals")
    return [int(e) for e in edges]


DATES = tuple(f.name for f in table_fields() if f.kind is Kind.DATE)
"""The date fields a table can group by year, in registry order."""
STATES = tuple(f.name for f in table_fields() if f.kind is Kind.STATE)
"""The state fields a states table can group."""


def _misfit(spec: TableSpec) -> _SpecProblem | None:
    """The first of `_misfits`, which stops a table from being computed (`check_tables` reports them all, naming tape codes)."""
    return next(iter(_misfits(spec)), None)


def _misfits(spec: TableSpec, code_maps: dict[str, dict[str, Any]] | None = None) -> list[_SpecProblem]:
    """A rule that cannot group this field (a deal file's table), or each category no loan can have, as problems instead of a polars error."""
    name, rule, field = spec.field.value, spec.rule, spec.field.loan_field
    date, state = field.kind is Kind.DATE, field.kind is Kind.STATE
    if isinstance(rule, BandsRule) and not field.band:
        other = "a yearly table" if date else "a states table" if state else "a categories table"
        return [_SpecProblem(("field",), name, f"bands need a numeric field ({', '.join(SCALES)}): use {other} for {name}")]
    if isinstance(rule, DistinctRule) and not field.band:
        other = "a yearly table" if date else "a states table" if state else "a categories table"
        return [_SpecProblem(("field",), name, f"distinct lists the values of a numeric field ({', '.join(SCALES)}): use {other} for {name}")]
    if isinstance(rule, YearlyRule) and not date:
        return [_SpecProblem(("field",), name, f"a yearly table needs a date field ({', '.join(DATES)})")]
    if isinstance(rule, StatesRule) and not state:
        return [_SpecProblem(("field",), name, "a states table needs the state field")]
    if isinstance(rule, CategoriesRule):
        if date:
            return [_SpecProblem(("field",), name, "categories cannot group a date field (use a yearly table)")]
        codes = (code_maps or {}).get(name)
        found: list[_SpecProblem] = []
        seen: dict[object, int] = {}
        for i, category in enumerate(rule.categories):
            shown = written(category.value)
            if (why := _category_problem(field, category, codes)) is not None:
                found.append(_SpecProblem(("rule", "categories", i, "value"), shown, why))
            elif (first := seen.setdefault(held(field, category.value), i)) != i:  # 2.25 and 2.250 are one value
                twice = f"{shown} is {written(rule.categories[first].value)}, listed above: its loans fall in the first row; list each value once"
                found.append(_SpecProblem(("rule", "categories", i, "value"), shown, twice))
        return found
    return []


def _category_problem(field: LoanField, category: Category, codes: dict[str, Any] | None) -> str | None:
    """Why no loan can be in the category (`share_value_problem`); a number written in stored units says how the tape writes it."""
    why = share_value_problem(field, category.value, codes)
    value, places = category.value, field.decimals or 0
    if why is None or not places or isinstance(value, bool) or not isinstance(value, int):
        return why
    tape = Decimal(value).scaleb(-places)
    if share_value_problem(field, tape) is None:  # 2250 of a margin: the stored units of 2.250
        return f"{why}. A number category is written as the tape writes it, in the field's units: {tape}, not the stored {value}"
    return why


MISSING = -1
"""The row key of loans whose field is blank: they print last, in the spec's `missing_label` row."""

DISTINCT_SHIFT = 2**63
"""What a distinct row's key adds to its stored value, so that no value (a negative one too) is MISSING's key."""


def loan_rows(loans: pl.DataFrame, spec: TableSpec) -> pl.Expr:
    """The row each loan falls in: a band, category or year number, a state code; MISSING for a blank field (a printed row's `Row.by`)."""
    import polars as pl

    key = _value_key(loans, spec)
    if spec.field.loan_field.kind is Kind.STATE:  # a required field: never blank
        return key
    return pl.when(pl.col(spec.field.value).is_null()).then(pl.lit(MISSING, pl.Int64)).otherwise(key)


def _value_key(loans: pl.DataFrame, spec: TableSpec) -> pl.Expr:
    import polars as pl

    if problem := _misfit(spec):
        raise problem
    field, rule = pl.col(spec.field.value), spec.rule
    if isinstance(rule, BandsRule):
        # band i holds edges[i-1] < value <= edges[i]: inclusive upper edges
        return pl.lit(pl.Series(_scaled_edges(spec, rule), dtype=pl.Int64)).search_sorted(field, side="left").cast(pl.Int64)
    if isinstance(rule, CategoriesRule):
        index = {held(spec.field.loan_field, c.value): i for i, c in enumerate(rule.categories)}
        index = {k: i for k, i in index.items() if not isinstance(k, int) or fits(INT64_MAX, 1, k)}  # no loan has a value past Int64
        if not (spec.field.loan_field.numeric or spec.field.loan_field.kind is Kind.FLAG):
            field = field.cast(pl.String)  # a category, state or text, as the values' text
        return field.replace_strict(index, default=len(rule.categories) if rule.other_label else None, return_dtype=pl.Int64)
    if isinstance(rule, DistinctRule):  # the value itself, shifted clear of MISSING: every Int64 value is a key of 0 or more
        return field.cast(pl.Int128) + pl.lit(DISTINCT_SHIFT, pl.Int128)
    if isinstance(rule, YearlyRule):
        return field.dt.year().cast(pl.Int64)
    return field


def category_of(spec: TableSpec, value: bool | int | dt.date | str) -> int | None:
    """The row key of a categories table's category holding exactly the loans whose field is `value` (as `columns.held` gives it).

    Categories compare as `_value_key` reads them: a flag's true or false, a number's stored
    whole number, else text (a value listed twice: its last category). None when no category
    holds it (or the table is no categories table).
    """
    if not isinstance(spec.rule, CategoriesRule):
        return None
    field = spec.field.loan_field
    found = None
    for i, category in enumerate(spec.rule.categories):
        value_held = held(field, category.value)
        if value_held == value and type(value_held) is type(value):
            found = i
    return found


def row_extent(spec: TableSpec, key: RowKey) -> tuple[object, ...]:
    """Which loans a row of `spec` holds, as a value that two rows over the same loans share only when they hold the same ones by construction.

    What a cross-tab matches its axes' rows with a printed one-way table's by (`crosstab`): the
    field, then a band by its bounds (a distinct value is the band of that one value), a
    category by the value it lists (the other_label row by all those listed), the blank row, a
    year, a state. Never a label's text: two tables may label one band differently.
    """
    name, rule = spec.field.value, spec.rule
    if key is None:
        return (name, "blank")
    if isinstance(key, Band):
        return (name, "band", key.lo, key.hi)
    if isinstance(rule, DistinctRule):
        return (name, "band", key, key)
    if isinstance(rule, CategoriesRule):
        assert isinstance(key, int)
        values = [held(spec.field.loan_field, c.value) for c in rule.categories]
        return (name, "other", frozenset(values)) if key == len(values) else (name, "category", values[key])
    return (name, type(rule).__name__, key)


def _bands(spec: TableSpec, rule: BandsRule, keys: list[int], lowest: int | None, highest: int | None) -> list[Band]:
    """The bands `keys`, their bounds and label; `spec` names the banded field (its `field` and `rule` are the axis's).

    A rule clamped to the data takes its outer bounds from the loans' `lowest` and `highest`
    values; with none (no loan has the field: only kept empty bands), the bands' own edges.
    """
    scale = _scale(spec)
    edges = [Decimal(e).scaleb(-scale) for e in _scaled_edges(spec, rule)]
    unit = Decimal(1).scaleb(-scale)
    bands = []
    for n, key in enumerate(keys):
        lo = edges[key - 1] + unit if key > 0 else None
        hi = edges[key] if key < len(edges) else None
        if rule.clamp_to_data and lowest is not None and highest is not None:
            lo = Decimal(lowest).scaleb(-scale) if n == 0 or lo is None else lo
            hi = Decimal(highest).scaleb(-scale) if n == len(keys) - 1 or hi is None else hi
            which = "label"
        else:
            which = "first_label" if lo is None else "last_label" if hi is None else "label"
        edge = {"first_label": edges[0], "last_label": edges[-1]}.get(which)  # an open band's own edge
        bands.append(Band(lo, hi, "single_label" if lo is not None and lo == hi else which, edge))
    return bands


def compute_table(
    loans: pl.DataFrame, spec: TableSpec, places: TablePlaces | None = None, specs: Sequence[TableSpec] = (), printed: Sequence[Table] = ()
) -> Table | CrossTab:
    """One stratification table of the loans, in exact arithmetic: its rounded rows foot to its rounded total.

    Args:
        loans: The canonical loans (`TapeReport.loans`).
        spec: What to stratify by and how (bands, categories, years, states) and the row labels.
        places: Where the spec is in the deal file, so that problems name its lines.
        specs: The deal's tables, which a cross-tab's `across.table` names.
        printed: The one-way tables printed over the same loans, whose rows a cross-tab's totals repeat (`compute_crosstab`).

    Returns:
        The table's rows (key, count, balance, percent) and total.

    Raises:
        DealdocsError: The spec does not fit the field (or names no table of `specs` across).
    """
    from generator.pool.crosstab import compute_crosstab

    try:
        return compute_crosstab(loans, spec, specs, printed) if spec.across is not None else _compute_table(loans, spec)
    except _SpecProblem as problem:
        raise DealFileError([(places or TablePlaces()).spec(spec, problem.loc, problem.value, problem.message)]) from None


def _compute_table(loans: pl.DataFrame, spec: TableSpec) -> Table:
    return finish_table(loans, spec, plan_table(loans, spec).collect())


def plan_table(loans: pl.DataFrame, spec: TableSpec, by: pl.Expr | None = None, widths: Widths | None = None) -> pl.LazyFrame:
    """The table's one group-by, not yet run, so that a deal's tables run together; `by` adds an outer key (the loan group).

    `widths`, proven on these loans for every table's columns (`prepared`), saves proving them per table;
    loans that already hold the columns' `loan_terms` (`prepared`) are not multiplied again.
    """
    import polars as pl

    columns = spec.columns or []
    if spec.field.value not in loans.columns:
        raise _SpecProblem(("field",), spec.field.value, f"the tape has no {spec.field.value} column: map it under pool.columns")
    try:
        widths = widths or figure_columns.table_widths(loans, columns)
        extra = figure_columns.aggregations(columns, loans.schema, widths)
    except ColumnProblem as problem:
        at = next(i for i, c in enumerate(columns) if _column_fails(c, loans.schema))
        raise _SpecProblem(("columns", at, *problem.path), problem.value, problem.message) from None
    terms = figure_columns.loan_terms(columns, loans.schema, widths)
    return (
        loans.lazy().with_columns(term for name, term in terms.items() if name not in loans.columns)
        .group_by(*([] if by is None else [by]), loan_rows(loans, spec).alias("key"))
        .agg(pl.len().alias("count"), pl.col("balance").cast(sum_type(widths.balance)).sum().alias("balance"),
             *(_range_aggregations(spec)), *extra)
        .sort("key", nulls_last=True)
    )  # fmt: skip


def prepared(loans: pl.DataFrame, specs: Sequence[TableSpec]) -> tuple[pl.DataFrame, Widths]:
    """The loans with every `loan_terms` column the specs' figure columns sum, and the widths proven for them all, for `plan_table`.

    A deal's tables average the same few fields: each product is computed once, not once per
    table, and the widths are proven in one pass (a width depends only on the loans and the
    field, so every table gets the one it would prove alone).
    """
    columns = [c for spec in specs for c in spec.columns or []]
    widths = figure_columns.table_widths(loans, columns)
    return figure_columns.with_terms(loans, columns, widths), widths


def _range_aggregations(spec: TableSpec) -> list[pl.Expr]:
    """The lowest and highest value of each row, which only labels clamped to the data print (a third of a group-by's time)."""
    import polars as pl

    if not (isinstance(spec.rule, BandsRule) and spec.rule.clamp_to_data):
        return []
    return [pl.col(spec.field.value).min().alias("low"), pl.col(spec.field.value).max().alias("high")]


def no_category(loans: pl.DataFrame, spec: TableSpec) -> _SpecProblem:
    """The problem of a categories rule without other_label that some loans' values fit no row of: they would vanish from the table."""
    strays = loans.filter(loan_rows(loans, spec).is_null())[spec.field.value].unique().sort().to_list()
    return _SpecProblem(("rule", "categories"), ", ".join(map(str, strays)), "loans with these values fall in no category (add them or set other_label)")


def finish_table(loans: pl.DataFrame, spec: TableSpec, grouped: pl.DataFrame, pool_cents: int | None = None) -> Table:
    """The rows, labels and footed figures from the group-by's sums (`plan_table`); `loans` only name strays in a problem.

    `pool_cents`, the whole pool's balance when the table is a group's, is what an `of: pool`
    percent column is of: its rows are footed (largest remainder) to the group's share of the
    pool rounded half-up to 0.01, which its total row prints. Without it the column is the
    ordinary percent (the pool's own table).
    """
    import polars as pl

    columns = spec.columns or []
    if isinstance(spec.rule, CategoriesRule) and grouped["key"].null_count():
        raise no_category(loans, spec)
    sums: dict[Any, dict[str, Any]] = {r["key"]: r for r in grouped.iter_rows(named=True)}
    missing = sums.pop(MISSING, None)
    valued = grouped.filter(pl.col("key") != MISSING) if missing is not None else grouped
    lowest, highest = (cast("int | None", valued["low"].min()), cast("int | None", valued["high"].max())) if "low" in valued.columns else (None, None)
    keys, row_keys = _row_keys(spec, spec.rule, set(sums), spec.keep_empty, lowest, highest)
    chosen = [sums.get(k, {"count": 0, "balance": 0}) for k in keys]
    if missing is not None:
        chosen.append(missing)
        row_keys.append(None)
        keys.append(MISSING)
    counts = [r["count"] for r in chosen]
    cents = [r["balance"] for r in chosen]
    total = sum(cents)
    dollars = allocate(cents, 100)
    shares = [Decimal(s).scaleb(-2) for s in (allocate([c * 10_000 for c in cents], total) if total else [0] * len(cents))]
    of_pool: list[Decimal | None] = [None] * len(cents)
    whole_of_pool: Decimal | None = None
    if pool_cents and any(c.kind == "percent" and c.of == "pool" for c in columns):
        hundredths = allocate([c * 10_000 for c in cents], pool_cents)
        of_pool, whole_of_pool = [Decimal(h).scaleb(-2) for h in hundredths], Decimal(sum(hundredths)).scaleb(-2)
    rows = [
        Row(key, n, c, d, p, figure_columns.figures(columns, r, n, c, d, p, q) if columns else (), by=by)
        for key, by, n, c, d, p, q, r in zip(row_keys, keys, counts, cents, dollars, shares, of_pool, chosen, strict=True)
    ]
    hundred = Decimal("100.00") if total else Decimal("0.00")
    whole = figure_columns.figures(columns, figure_columns.merge(columns, chosen), sum(counts), total, sum(dollars), hundred, whole_of_pool)
    return Table(spec, rows, sum(counts), total, sum(dollars), whole if columns else ())


def compute_many(
    jobs: list[tuple[pl.DataFrame, TableSpec]], places: TablePlaces | None = None, specs: Sequence[TableSpec] | None = None
) -> list[Table | CrossTab]:
    """`compute_table` of each (loans, spec), the one-way tables' group-bys run together in one `collect_all`.

    `specs` are the deal's tables a cross-tab's `across.table` may name (by default the jobs' own).
    A cross-tab repeats the rows of the one-way tables of jobs over the same loans (the same frame).

    Polars runs small group-bys one after another on too few threads; together they keep the
    cores busy (a deal's 40-odd group-bys take about half the time). Figures are the same.
    """
    import polars as pl

    ready: dict[int, tuple[pl.DataFrame, Widths]] = {}  # each distinct frame prepared once, for all its tables
    for loans, _ in jobs:
        if id(loans) not in ready:
            ready[id(loans)] = prepared(loans, [spec for frame, spec in jobs if frame is loans and spec.across is None])
    plans: list[pl.LazyFrame | None] = []
    for loans, spec in jobs:
        try:
            frame, widths = ready[id(loans)]
            plans.append(None if spec.across is not None else plan_table(frame, spec, None, widths))
        except _SpecProblem as problem:
            raise DealFileError([(places or TablePlaces()).spec(spec, problem.loc, problem.value, problem.message)]) from None
    done = iter(pl.collect_all([p for p in plans if p is not None]))
    named = [spec for _, spec in jobs] if specs is None else specs
    tables: dict[int, Table] = {}
    for n, ((loans, spec), plan) in enumerate(zip(jobs, plans, strict=True)):
        if plan is not None:
            try:
                tables[n] = finish_table(loans, spec, next(done))
            except _SpecProblem as problem:
                raise DealFileError([(places or TablePlaces()).spec(spec, problem.loc, problem.value, problem.message)]) from None
    out: list[Table | CrossTab] = []
    for n, (loans, spec) in enumerate(jobs):  # a cross-tab after the one-way tables over the same loans, whose rows it repeats
        printed = [t for m, t in tables.items() if jobs[m][0] is loans]
        out.append(tables[n] if n in tables else compute_table(loans, spec, places, named, printed))
    return out


def _column_fails(column: Any, schema: pl.Schema) -> bool:
    return figure_columns.unsummable(column, schema) is not None


def _row_keys(spec: TableSpec, rule: Any, found: set[Any], keep_empty: bool, lowest: int | None, highest: int | None) -> tuple[list[Any], list[RowKey]]:
    """The rows' group-by keys in print order and their row keys, for the keys found in the data (and the empty ones kept)."""
    keys: list[Any]
    if isinstance(rule, BandsRule):
        bands: list[int] = list(range(len(rule.edges) + 1)) if keep_empty else sorted(found)
        if keep_empty and rule.clamp_to_data:
            bands = [k for k in bands if k in found or 0 < k < len(rule.edges)]
        return bands, list(_bands(spec, rule, bands, lowest, highest))
    if isinstance(rule, CategoriesRule):
        indexes: list[int] = list(range(len(rule.categories))) if keep_empty else sorted(found)
        if keep_empty and len(rule.categories) in found:
            indexes.append(len(rule.categories))
        return indexes, list(indexes)
    if isinstance(rule, YearlyRule):
        years: list[int] = sorted(found)
        return years, list(years)
    if isinstance(rule, DistinctRule):  # the value itself, in the field's units
        values: list[int] = sorted(found)
        return values, [spec.field.loan_field.value(k - DISTINCT_SHIFT) for k in values]
    assert isinstance(rule, StatesRule)
    keys = sorted(found, key=lambda code: STATE_NAMES[code])
    return keys, list(keys)


def compute_tables(loans: pl.DataFrame, specs: list[TableSpec], places: TablePlaces | None = None) -> list[Table | CrossTab]:
    """Every table of a deal, each computed as `compute_table` does.

    Args:
        loans: The canonical loans (`TapeReport.loans`).
        specs: The table specs, e.g. from `resolve_tables`.
        places: Where the specs are in the deal file, so that problems name their lines.

    Returns:
        The tables, in the order of `specs`.

    Raises:
        DealdocsError: A spec does not fit its field or its labels cannot be rendered.
    """
    return compute_many([(loans, spec) for spec in specs], places)


# --- checking tables without a document ------------------------------------------------


def _column_misfits(spec: TableSpec, code_maps: dict[str, dict[str, Any]] | None) -> list[_SpecProblem]:
    """Every figure column of a one-way table that no tape can compute (a cross-tab prints none).

    A missing field, an average of a field that is no number, a share without its value or with
    one no loan can have (it would print 0.00 on every row).
    """
    if spec.across is not None:
        return []
    found = []
    for i, column in enumerate(spec.columns or ()):
        found += [_SpecProblem(("columns", i, *p.path), p.value, p.message) for p in figure_columns.misfits(column, code_maps)]
    return found


def _rule_misfits(spec: TableSpec, code_maps: dict[str, dict[str, Any]] | None) -> list[_SpecProblem]:
    """`_misfits` of the table's rule and of its cross-tab's `across` axis (placed under `across`)."""
    from generator.pool.crosstab import across_axis

    found = _misfits(spec, code_maps)
    if spec.across is not None and spec.across.table is None:  # a named table's rule is checked at that table
        found += [_SpecProblem(("across", *p.loc), p.value, p.message) for p in _misfits(across_axis(spec, ()), code_maps)]
    return found


def column_problems(tables: Tables, places: TablePlaces) -> list[Problem]:
    """Every rule and figure column of the deal's tables that no tape can compute (`_rule_misfits`, `_column_misfits`), each at its line.

    What `render` and `strats` check before computing a table, so that all are reported at once.
    """
    code_maps = places.code_maps()
    return [
        places.spec(spec, p.loc, p.value, p.message) for spec in _chosen(tables) for p in [*_rule_misfits(spec, code_maps), *_column_misfits(spec, code_maps)]
    ]


def check_tables(
    tables: Tables, places: TablePlaces, loans: pl.DataFrame | None = None, labels: Callable[[TableSpec], None] | None = None
) -> tuple[list[Problem], list[Table | CrossTab]]:
    """Every problem that would stop the deal's tables from being computed, found without rendering a document.

    Unknown ids dropped; rules that cannot group their field (a table's or its `across` axis's),
    each category value no loan can have or listed twice; band edges finer than the field
    is stored or absurdly large; a cross-tab's `across.table` naming no table; figure columns
    no tape can compute (a share's value no loan can have), every one of them; `labels`, the
    documents layer's trial of the spec's labels, raises what it finds placed. With the tape's
    `loans`, each table is also computed (a category missing a code on the tape), the cross-tabs
    after the one-way tables whose rows they repeat, and the tables computed are returned with the
    problems in the specs' order, so that no caller computes them again.
    """
    problems = _unknown_drops(tables, places)
    code_maps = places.code_maps()
    chosen = _chosen(tables)
    found: dict[int, list[Problem]] = {}
    computed: dict[int, Table | CrossTab] = {}
    for n in sorted(range(len(chosen)), key=lambda n: chosen[n].across is not None):  # one-way tables first: a cross-tab repeats their rows
        spec, here = chosen[n], found.setdefault(n, [])
        rule_misfits, misfits = _rule_misfits(spec, code_maps), _column_misfits(spec, code_maps)
        here += [places.spec(spec, p.loc, p.value, p.message) for p in [*rule_misfits, *misfits]]
        if rule_misfits:  # nothing more can be tried of a rule that cannot group its field
            continue
        try:
            _check_spec(spec, chosen)
            if labels is not None:
                labels(spec)
            if loans is not None and not misfits:
                computed[n] = compute_table(loans, spec, places, chosen, [t for t in computed.values() if isinstance(t, Table)])
        except _SpecProblem as problem:
            here.append(places.spec(spec, problem.loc, problem.value, problem.message))
        except DealdocsError as exc:
            here += exc.problems
    problems += [p for n in range(len(chosen)) for p in found[n]]
    return problems, [computed[n] for n in sorted(computed)]


def _check_spec(spec: TableSpec, specs: Sequence[TableSpec]) -> None:
    """The spec's problems that need no tape, raised: its rule's (`_check_rule`), its across axis's, or its `across.table` naming no table of `specs`."""
    from generator.pool.crosstab import across_axis

    _check_rule(spec)
    if spec.across is None:
        return
    axis = across_axis(spec, specs)
    if spec.across.table is None:  # a named table's rule is checked at that table
        try:
            _check_rule(axis)
        except _SpecProblem as problem:
            raise _SpecProblem(("across", *problem.loc), problem.value, problem.message) from None


def _check_rule(spec: TableSpec) -> None:
    """A rule that cannot group its field, band edges finer than the field is stored or absurdly large, raised."""
    if problem := _misfit(spec):
        raise problem
    if isinstance(spec.rule, BandsRule):
        _scaled_edges(spec, spec.rule)


def trial_keys(spec: TableSpec, year: int) -> list[RowKey]:
    """Representative row keys of the spec, no data needed: its outer and inner bands (single-value too), `year` for a yearly rule.

    What `validate` renders each label with; raises the rule's problems (a rule that cannot
    group its field, edges finer than the field or too large).
    """
    if problem := _misfit(spec):
        raise problem
    rule = spec.rule
    if isinstance(rule, YearlyRule):
        return [year]
    if isinstance(rule, DistinctRule):  # one unit of the field: 0.001 of a margin, 1 month
        return [spec.field.loan_field.value(1)]
    if not isinstance(rule, BandsRule):
        return []
    scale = _scale(spec)
    edges = [Decimal(e).scaleb(-scale) for e in _scaled_edges(spec, rule)]
    unit = Decimal(1).scaleb(-scale)
    first, last = edges[0], edges[-1]
    keys: list[RowKey]
    if rule.clamp_to_data:  # every row is a closed band, its outer bounds from the data
        keys = [Band(first, first, "label"), Band(last + unit, last + unit, "label")]
    else:
        keys = [Band(None, first, "first_label", first), Band(last + unit, None, "last_label", last)]
    if len(edges) > 1:
        keys += [Band(first + unit, edges[1], "label"), Band(edges[-2] + unit, last, "label")]
    return [*keys, Band(last, last, "single_label")]


def across_trial_keys(spec: TableSpec, year: int) -> tuple[TableSpec, list[RowKey]] | None:
    """A cross-tab's across axis (`across_axis`) and its `trial_keys`; None without an own across rule (one named by `across.table` is tried at its table)."""
    from generator.pool.crosstab import across_axis

    if spec.across is None or spec.across.table is not None:
        return None
    axis = across_axis(spec, ())
    try:
        return axis, trial_keys(axis, year)
    except _SpecProblem as problem:
        raise _SpecProblem(("across", *problem.loc), problem.value, problem.message) from None
