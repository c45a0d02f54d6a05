"""Stratification tables: a loan field, a banding rule and labels in; rows that foot out.

Tables are data (`templates/strat-tables.yaml` and the deal file's `pool.tables`); this
module only groups the tape by the rule's row key in polars and rounds the sums so that
every table's printed rows add up to its printed total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import RootModel

from .exact import allocate
from .jinja import environment
from .models import BandsRule, CategoriesRule, StatesRule, Tables, TableSpec, YearlyRule
from .problems import DealdocsError, Problem
from .resources import templates_dir
from .usps import STATE_NAMES

if TYPE_CHECKING:
    import polars as pl

SCALES = {
    "balance": 2, "original_balance": 2,
    "note_rate": 3, "net_rate": 3, "ltv": 3, "effective_ltv": 3,
    "original_term": 0, "remaining_term": 0, "units": 0,
}  # fmt: skip
"""Decimal places of each numeric loan field as stored (cents, thousandths of a percent, months)."""


@dataclass(frozen=True)
class Row:
    label: str
    count: int
    balance_cents: int
    balance: int  # whole dollars, footed to the table's total
    percent: Decimal  # share of the table's balance, 2 decimals, footed to 100.00


@dataclass(frozen=True)
class Table:
    spec: TableSpec
    rows: list[Row]
    count: int
    balance_cents: int
    balance: int  # whole dollars, half-up; equals the sum of the rows' balances


class TableList(RootModel[list[TableSpec]]):
    pass


@cache
def default_tables() -> tuple[TableSpec, ...]:
    """The shelf's default set, from `strat-tables.yaml` in the templates."""
    from .deal import parse_yaml, validate_model

    path = templates_dir() / "strat-tables.yaml"
    data, root = parse_yaml(path)
    return tuple(validate_model(TableList, data, path, root).root)


def resolve_tables(tables: Tables) -> list[TableSpec]:
    """The deal's tables: the defaults less those dropped, with replacements in place and additions at the end."""
    base = list(default_tables()) if tables.defaults else []
    known = {t.id for t in base}
    problems = [Problem("deal", None, "pool.tables.drop", d, "no default table has this id") for d in tables.drop if d not in known]
    if problems:
        raise DealdocsError(problems)
    chosen = [t for t in base if t.id not in tables.drop]
    for spec in tables.tables:
        at = next((i for i, t in enumerate(chosen) if t.id == spec.id), None)
        if at is None:
            chosen.append(spec)
        else:
            chosen[at] = spec
    return chosen


@cache
def _label_template(source: str) -> Any:
    return environment().from_string(source)


def _label(source: str, table: TableSpec, **values: Any) -> str:
    try:
        return _label_template(source).render(**values).strip()
    except Exception as exc:  # a deal team's label template: name the table, do not crash
        raise DealdocsError([Problem("deal", None, f"tables.{table.id}.rule", source, f"label template failed: {exc}")]) from None


def _scaled_edges(spec: TableSpec, rule: BandsRule) -> list[int]:
    scale = SCALES.get(spec.field.value)
    if scale is None:
        raise DealdocsError([Problem("deal", None, f"tables.{spec.id}.field", spec.field.value, "bands need a numeric field")])
    edges = [e.scaleb(scale) for e in rule.edges]
    if any(e != e.to_integral_value() for e in edges):
        raise DealdocsError([Problem("deal", None, f"tables.{spec.id}.rule.edges", None, f"edges have more than {scale} decimals")])
    return [int(e) for e in edges]


DATES = {"origination_date", "maturity_date"}


def _whole(value: str | int) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def _misfit(loans: pl.DataFrame, spec: TableSpec) -> Problem | None:
    """A rule that cannot group this field (a deal file's table), as a problem instead of a polars error."""
    name, rule = spec.field.value, spec.rule
    if isinstance(rule, YearlyRule) and name not in DATES:
        return Problem("deal", None, f"tables.{spec.id}.field", name, "a yearly table needs a date field (origination_date, maturity_date)")
    if isinstance(rule, StatesRule) and name != "state":
        return Problem("deal", None, f"tables.{spec.id}.field", name, "a states table needs the state field")
    if isinstance(rule, CategoriesRule):
        if name in DATES:
            return Problem("deal", None, f"tables.{spec.id}.field", name, "categories cannot group a date field (use a yearly table)")
        wrong = [str(c.value) for c in rule.categories if not _whole(c.value)]
        if loans.schema[name].is_integer() and wrong:
            return Problem("deal", None, f"tables.{spec.id}.rule.categories", ", ".join(wrong), f"categories of {name} must be whole numbers")
    return None


def _row_key(loans: pl.DataFrame, spec: TableSpec) -> pl.Expr:
    import polars as pl

    if problem := _misfit(loans, spec):
        raise DealdocsError([problem])
    field, rule = pl.col(spec.field.value), spec.rule
    if isinstance(rule, BandsRule):
        # band i holds edges[i-1] < value <= edges[i]: inclusive upper edges
        return pl.lit(pl.Series(_scaled_edges(spec, rule), dtype=pl.Int64)).search_sorted(field, side="left").cast(pl.Int64)
    if isinstance(rule, CategoriesRule):
        dtype = loans.schema[spec.field.value]
        cast = int if dtype.is_integer() else str
        index = {cast(c.value): i for i, c in enumerate(rule.categories)}
        return field.replace_strict(index, default=len(index) if rule.other_label else None, return_dtype=pl.Int64)
    if isinstance(rule, YearlyRule):
        return field.dt.year().cast(pl.Int64)
    return field


def _band_labels(spec: TableSpec, rule: BandsRule, keys: list[int], lowest: int, highest: int) -> list[str]:
    scale = SCALES[spec.field.value]
    edges = [Decimal(e).scaleb(-scale) for e in _scaled_edges(spec, rule)]
    unit = Decimal(1).scaleb(-scale)
    labels = []
    for n, key in enumerate(keys):
        lo = edges[key - 1] + unit if key > 0 else None
        hi = edges[key] if key < len(edges) else None
        if rule.clamp_to_data:
            lo = Decimal(lowest).scaleb(-scale) if n == 0 or lo is None else lo
            hi = Decimal(highest).scaleb(-scale) if n == len(keys) - 1 or hi is None else hi
            source = rule.label
        else:
            source = rule.first_label if lo is None else rule.last_label if hi is None else rule.label
        labels.append(_label(source, spec, lo=lo, hi=hi))
    return labels


def compute_table(loans: pl.DataFrame, spec: TableSpec) -> Table:
    """One stratification table of the loans, its rounded rows footing to its rounded total."""
    import polars as pl

    rule = spec.rule
    grouped = (
        loans.group_by(_row_key(loans, spec).alias("key"))
        .agg(count=pl.len(), balance=pl.col("balance").cast(pl.Int128).sum(), low=pl.col(spec.field.value).min(), high=pl.col(spec.field.value).max())
        .sort("key", nulls_last=True)
    )
    if isinstance(rule, CategoriesRule) and grouped["key"].null_count():
        strays = loans.filter(_row_key(loans, spec).is_null())[spec.field.value].unique().sort().to_list()
        raise DealdocsError([Problem("deal", None, f"tables.{spec.id}.rule.categories", ", ".join(map(str, strays)), "loans with these values fall in no category (add them or set other_label)")])
    found = {k: (c, b) for k, c, b, _, _ in grouped.iter_rows()}

    if isinstance(rule, BandsRule):
        keys = list(range(len(rule.edges) + 1)) if spec.keep_empty else sorted(found)
        if spec.keep_empty and rule.clamp_to_data:
            keys = [k for k in keys if k in found or 0 < k < len(rule.edges)]
        labels = _band_labels(spec, rule, keys, grouped["low"].min() or 0, grouped["high"].max() or 0)
    elif isinstance(rule, CategoriesRule):
        names = [c.label for c in rule.categories] + [rule.other_label or ""]
        keys = list(range(len(rule.categories))) if spec.keep_empty else sorted(found)
        if spec.keep_empty and len(rule.categories) in found:
            keys.append(len(rule.categories))
        labels = [names[k] for k in keys]
    elif isinstance(rule, YearlyRule):
        keys = sorted(found)
        labels = [_label(rule.label, spec, year=k) for k in keys]
    else:
        assert isinstance(rule, StatesRule)
        keys = sorted(found, key=lambda code: STATE_NAMES[code])
        labels = [STATE_NAMES[k] for k in keys]

    counts = [found.get(k, (0, 0))[0] for k in keys]
    cents = [found.get(k, (0, 0))[1] for k in keys]
    total = sum(cents)
    dollars = allocate(cents, 100)
    shares = allocate([c * 10_000 for c in cents], total) if total else [0] * len(cents)
    rows = [
        Row(label, n, c, d, Decimal(s).scaleb(-2))
        for label, n, c, d, s in zip(labels, counts, cents, dollars, shares, strict=True)
    ]
    return Table(spec, rows, sum(counts), total, sum(dollars))


def compute_tables(loans: pl.DataFrame, specs: list[TableSpec]) -> list[Table]:
    return [compute_table(loans, spec) for spec in specs]
