"""Loan groups: the pool split by a field (`pool.groups`), each table printed per group, for the pool, or both.

Percent columns are relative to the table's own loans, so a group's table is simply the table
computed over the group's loans; this module decides which tables print and labels them.
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
    """Every table of the deal, for each group it prints for (spec order, then group order; the pool's last)."""
    from generator.pool.strats import compute_table

    frames = group_frames(loans, groups)
    out: list[Table | CrossTab] = []
    for spec in specs:
        for key, label, frame in frames:
            if groups is not None:
                if key is None and (spec.print_for == "groups" or spec.only_groups is not None):
                    continue
                if key is not None and (spec.print_for == "pool" or (spec.only_groups is not None and key not in spec.only_groups)):
                    continue
            table = compute_table(frame, spec, places)
            out.append(dataclasses.replace(table, group=label, group_key=key))
    return out


def unknown_groups(loans: pl.DataFrame, groups: Groups) -> list[str]:
    """Tape values of the group field that the deal file gives no label (those loans would be in no group)."""
    import polars as pl

    values = loans.select(pl.col(groups.field.value).cast(pl.String).unique().sort())[groups.field.value].to_list()
    return [v for v in values if v not in groups.labels]
