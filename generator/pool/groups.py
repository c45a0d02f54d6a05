"""Loan groups: the pool split by a field (`pool.groups`), each table printed per group, for the pool, or both.

Percent columns are relative to the table's own loans, so a group's table is simply the table
computed over the group's loans (a percent column `of: pool` is of the whole pool's balance
instead); this module decides which tables print and labels them.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from generator.deal.models import Groups, TableSpec
from generator.pool.crosstab import CrossTab

if TYPE_CHECKING:
    import polars as pl

    from generator.pool.strats import Table, TablePlaces


def group_frames(loans: pl.DataFrame, groups: Groups | None) -> list[tuple[str | None, str | None, pl.DataFrame]]:
    """(tape value, label, loans) for each group in the deal file's order, then the whole pool (value None)."""
    import polars as pl

    if groups is None:
        return [(None, None, loans)]
    column = pl.col(groups.field.value).cast(pl.String)
    return [(key, label, loans.filter(column == key)) for key, label in groups.labels.items()] + [(None, groups.total_label, loans)]


def grouped_tables(loans: pl.DataFrame, specs: list[TableSpec], groups: Groups | None, places: TablePlaces | None = None) -> list[Table | CrossTab]:
    """Every table of the deal, for each group it prints for (spec order, then group order; the pool's last).

    A one-way table of a grouped deal is one group-by over the pool keyed by group and row; the
    pool's table adds up its groups' sums (`columns.merge_expressions`), so no loan is summed twice.
    """
    from generator.pool.strats import compute_many

    frames = group_frames(loans if groups is None else loans.select(_read(loans, specs, groups)), groups)
    chosen: list[tuple[TableSpec, str | None, str | None, pl.DataFrame]] = []
    for spec in specs:
        for key, label, frame in frames:
            if groups is not None:
                if key is None and (spec.print_for == "groups" or spec.only_groups is not None):
                    continue
                if key is not None and (spec.print_for == "pool" or (spec.only_groups is not None and key not in spec.only_groups)):
                    continue
            chosen.append((spec, key, label, frame))
    if groups is None:
        tables = compute_many([(frame, spec) for spec, _, _, frame in chosen], places, specs)
    else:
        tables = _by_group(loans, groups, chosen, places, specs)
    return [dataclasses.replace(t, group=label, group_key=key) for t, (_, key, label, _) in zip(tables, chosen, strict=True)]


def _read(loans: pl.DataFrame, specs: list[TableSpec], groups: Groups) -> list[str]:
    """The columns a group's copy of the loans needs: what its cross-tabs group and sum, and what names a one-way table's strays.

    The one-way tables of a grouped deal run over the pool (`_by_group`), so a group's copy
    holds no more (the fields the tables band, their across fields, the balance), not every column twice.
    """
    wanted = {"balance", groups.field.value, *(s.field.value for s in specs)}
    wanted |= {s.across.field.value for s in specs if s.across is not None and s.across.field is not None}
    return [name for name in loans.columns if name in wanted]


def _by_group(
    loans: pl.DataFrame,
    groups: Groups,
    chosen: list[tuple[TableSpec, str | None, str | None, pl.DataFrame]],
    places: TablePlaces | None,
    specs: list[TableSpec],
) -> list[Table | CrossTab]:
    """The chosen tables of a grouped deal: each one-way spec's group-by once, keyed by group, run together; cross-tabs per frame, after them."""
    import polars as pl

    from generator.deal.models import TableSpec as Spec
    from generator.errors import DealFileError
    from generator.pool import columns as figure_columns
    from generator.pool.strats import TablePlaces as Places
    from generator.pool.strats import _SpecProblem, compute_table, finish_table, plan_table, prepared

    where = places or Places()
    group = pl.col(groups.field.value).cast(pl.String).alias("_group")
    one_way: list[Spec] = []
    for spec, _, _, _ in chosen:
        if spec.across is None and all(spec is not s for s in one_way):
            one_way.append(spec)
    terms, widths = prepared(loans, one_way)
    plans = []
    for spec in one_way:
        try:
            plans.append(plan_table(terms, spec, group, widths))
        except _SpecProblem as problem:
            raise DealFileError([where.spec(spec, problem.loc, problem.value, problem.message)]) from None
    sums = {id(spec): frame for spec, frame in zip(one_way, pl.collect_all(plans), strict=True)}
    pool_cents = int(loans["balance"].cast(pl.Int128).sum() or 0)  # what a group's `of: pool` percent is of
    tables: dict[int, Table] = {}
    for n, (spec, key, _, frame) in enumerate(chosen):
        if spec.across is not None:
            continue
        by_group = sums[id(spec)]
        if key is not None:
            grouped = by_group.filter(pl.col("_group") == key).drop("_group")
        else:
            merged = figure_columns.merge_expressions(spec.columns or [], by_group.columns)
            ranges = [pl.col("low").min(), pl.col("high").max()] if "low" in by_group.columns else []
            grouped = by_group.group_by("key").agg(pl.col("count").sum(), pl.col("balance").sum(), *ranges, *merged).sort("key", nulls_last=True)
        try:
            tables[n] = finish_table(frame, spec, grouped, pool_cents if key is not None else None)
        except _SpecProblem as problem:
            raise DealFileError([where.spec(spec, problem.loc, problem.value, problem.message)]) from None
    out: list[Table | CrossTab] = []
    for n, (spec, key, _, frame) in enumerate(chosen):  # a cross-tab after the one-way tables of its group, whose rows it repeats
        printed = [t for m, t in tables.items() if chosen[m][1] == key]
        out.append(tables[n] if n in tables else compute_table(frame, spec, places, specs, printed))
    return out


def unknown_groups(loans: pl.DataFrame, groups: Groups) -> list[str]:
    """Tape values of the group field that the deal file gives no label (those loans would be in no group); blanks are `blank_groups`."""
    import polars as pl

    values = loans.select(pl.col(groups.field.value).cast(pl.String).drop_nulls().unique().sort())[groups.field.value].to_list()
    return [v for v in values if v not in groups.labels]


def blank_groups(loans: pl.DataFrame, groups: Groups) -> int:
    """Loans whose group field is blank (a custom field's value not available): they would be in no group."""
    return loans[groups.field.value].null_count()
