"""Which loans a new tape adds, drops and changes: two checked tapes joined on the loan number, compared column by column.

Both tapes are the checked canonical frames (`TapeReport.loans`), so a value compares as the
tables read it (a tape code by the category it maps to, a number in its field's scale); a
changed value is shown in the field's units as the tape writes it ('6.875', '391202.74').
The join keeps row numbers only; the common loans' fields are then gathered side by side and
compared in one parallel pass, and only the fields that changed are looked at again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from generator.fields import Kind
from generator.pool.parsing import scaled_text

if TYPE_CHECKING:
    import polars as pl

    from generator.deal.models import Pool
    from generator.fields import LoanField

LOAN = "loan_number"
NEW = "new:"
"""The prefix of the new tape's columns beside the old's while they are compared (no field's name has a colon)."""
BATCH = 8
"""Fields gathered and compared at once: enough columns to keep the cores busy, few enough to add little to the two tapes' memory."""


@dataclass(frozen=True)
class LoanChanges:
    """A new tape against the old: loan numbers added and dropped (sorted), and every changed value (`changed`, long form)."""

    added: pl.Series  # loan numbers only on the new tape
    dropped: pl.Series  # loan numbers only on the old tape
    changed: pl.DataFrame  # loan_number, field, old, new (text in the field's units; "" for blank), by loan number then field order

    @property
    def changed_loans(self) -> pl.Series:
        """The loan numbers with at least one changed field, sorted."""
        return self.changed[LOAN].unique(maintain_order=True)

    def empty(self) -> bool:
        """No loan added, dropped or changed."""
        return not (self.added.len() or self.dropped.len() or self.changed.height)


def compared_fields(pool: Pool) -> list[str]:
    """The fields the deal maps to tape columns (the loan number aside), in the deal file's order: what a change is looked for in."""
    return [name for name, header in pool.headers().items() if header is not None and name != LOAN]


def diff_loans(old: pl.DataFrame, new: pl.DataFrame, pool: Pool) -> LoanChanges:
    """The loans `new` adds to and drops from `old`, and each common loan's changed fields, old -> new.

    Args:
        old: The old tape's canonical loans (`TapeReport.loans`).
        new: The new tape's, read under the same deal file.
        pool: The deal's pool section: which fields the tapes map, and their units.

    Returns:
        The added and dropped loan numbers and the changed values, each sorted by loan number.
    """
    import polars as pl

    registry = pool.registry
    index = pl.get_index_type()  # polars' own row index: it numbers every row a frame can hold
    left = old.select(pl.col(LOAN), pl.int_range(pl.len(), dtype=index).alias("i"))
    right = new.select(pl.col(LOAN), pl.int_range(pl.len(), dtype=index).alias("j"))
    joined = left.join(right, on=LOAN, how="full", coalesce=True)  # one join; only the few changed loans are sorted, at the end
    added = joined.filter(pl.col("i").is_null())[LOAN].sort()
    dropped = joined.filter(pl.col("j").is_null())[LOAN].sort()
    pairs = joined.drop_nulls()
    order = {name: n for n, name in enumerate(compared_fields(pool)) if name in old.columns and name in new.columns}
    names = list(order)
    pieces = []
    for start in range(0, len(names), BATCH):
        batch = names[start : start + BATCH]
        before = old.select(pl.col(batch).gather(pairs["i"]))  # a batch of fields at once: polars spreads the columns over the cores
        after = new.select(pl.col(batch).gather(pairs["j"]))
        masks = pl.concat([before, after.select(pl.all().name.prefix(NEW))], how="horizontal").select(
            pl.col(name).ne_missing(pl.col(NEW + name)) for name in batch
        )
        for name, changed in zip(batch, masks.select(pl.all().any()).row(0), strict=True):
            if not changed:
                continue
            moved, field = masks[name], registry[name]
            pieces.append(
                pl.DataFrame({LOAN: pairs[LOAN].filter(moved), "old": before[name].filter(moved), "new": after[name].filter(moved)}).select(
                    pl.col(LOAN), pl.lit(name).alias("field"), pl.lit(order[name], pl.UInt32).alias("_n"), _text("old", field), _text("new", field)
                )
            )
    if not pieces:
        return LoanChanges(added, dropped, pl.DataFrame(schema=dict.fromkeys((LOAN, "field", "old", "new"), pl.String)))
    changed = pl.concat(pieces).sort(LOAN, "_n").drop("_n")
    return LoanChanges(added, dropped, changed)


def _text(name: str, field: LoanField) -> pl.Expr:
    """A stored value as the tape writes it, exactly: a scaled integer in its units ('-0.250'), a date as ISO, a flag as true/false; blank as ""."""
    import polars as pl

    value = pl.col(name)
    if field.kind is Kind.DATE:
        text = value.dt.to_string("%Y-%m-%d")
    elif field.numeric and field.decimals:
        text = scaled_text(value, field)
    else:
        text = value.cast(pl.String)
    return text.fill_null("").alias(name)
