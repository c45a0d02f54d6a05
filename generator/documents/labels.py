"""The words of computed tables: row labels rendered from the rows' keys, headings rendered for their scope.

The pool computes numbers and row keys (`pool.strats.RowKey`: a band's bounds, a category,
a year, a state); here each key gets its label from the deal file's templates (a band rule's
`label`, `first_label`, `last_label` and `single_label`, a yearly or distinct rule's `label`), categories
and states their names, and headings their `{{ scope }}` ('Pool' for the whole pool's table,
'Group' for a loan group's), so that the documents and the exports print the same words.
A label or heading that fails is a problem at its key of the deal file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any

from generator.deal.loading import LoadedDeal
from generator.deal.models import BandsRule, CategoriesRule, DistinctRule, TableSpec, YearlyRule
from generator.errors import DealFileError
from generator.pool.analysis import PoolAnalysis, analyse
from generator.pool.crosstab import CrossTab
from generator.pool.strats import Band, RowKey, Table, TablePlaces, across_trial_keys, trial_keys
from generator.pool.usps import STATE_NAMES
from generator.templating.environment import environment
from generator.templating.sandbox import BudgetExceeded, budget, out_of_memory

if TYPE_CHECKING:
    from pathlib import Path

    from jinja2 import Template

SINGLE_LABEL = "{{ lo }}"
"""A single-value band's label when its rule sets no `single_label`: the value alone, '2.750', never '2.750 - 2.750'."""

SCOPES = ("Pool", "Group")
"""What `{{ scope }}` reads in a heading: the whole pool's table, a loan group's table."""


class _Failed(Exception):
    """A label or heading that cannot be rendered, at a key path relative to the table spec."""

    def __init__(self, loc: tuple[str | int, ...], value: str, message: str) -> None:
        super().__init__(message)
        self.loc, self.value, self.message = loc, value, message


@cache
def _label_template(source: str) -> Template:
    return environment().from_string(source)


def _label(source: str, loc: tuple[str | int, ...], **values: Any) -> str:
    """A label rendered from the spec's key at `loc` (rule.label, rule.first_label, ...); a failing label is a problem there."""
    try:
        with budget("rendering a label"):  # within the table's budget (`_placed`) when there is one
            return _label_template(source).render(**values).strip()
    except MemoryError:  # inside the table's budget (`_placed`), which has not yet lifted its limit: the label is placed here
        raise _Failed(loc, source, f"label template failed: {out_of_memory('rendering a label')}") from None
    except Exception as exc:  # a deal team's label template: name the table, do not crash
        raise _Failed(loc, source, f"label template failed: {_why(exc, source, values)}") from None


def _why(exc: Exception, source: str, values: dict[str, Any]) -> str:
    """What went wrong in a label, in words: an undefined name (whatever filter it went through), a division by zero."""
    from jinja2 import TemplateSyntaxError, meta

    if isinstance(exc, TemplateSyntaxError):
        return f"{exc.message} (line {exc.lineno} of the label)" if exc.lineno > 1 else str(exc.message)
    env = environment()
    unknown = sorted(meta.find_undeclared_variables(env.parse(source)) - set(values) - set(env.globals))
    if unknown:
        return f"{', '.join(f'`{n}`' for n in unknown)} is undefined: this label can use {', '.join(f'`{n}`' for n in values)}"
    empty = sorted(n for n in meta.find_undeclared_variables(env.parse(source)) if n in values and values[n] is None)
    if empty:
        return f"{', '.join(f'`{n}`' for n in empty)} has no value here: the open first band has no `lo`, the open last band no `hi`"
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, InvalidOperation):
        return "invalid arithmetic (such as 0 / 0)"
    return str(exc) or type(exc).__name__


def row_label(spec: TableSpec, key: RowKey) -> str:
    """The label of a row key under the spec's rule (for a cross-tab's columns, the across axis's spec: `CrossTab.across`).

    Raises `_Failed` at the rule's key when the deal file's label template fails.
    """
    rule = spec.rule
    if key is None:
        return spec.missing_label
    if isinstance(key, Band):
        assert isinstance(rule, BandsRule)
        source = getattr(rule, key.which) or (SINGLE_LABEL if key.which == "single_label" else "")
        edge = {} if key.edge is None else {"edge": key.edge}  # an open band's own edge
        return _label(source, ("rule", key.which), lo=key.lo, hi=key.hi, **edge)
    if isinstance(rule, CategoriesRule):
        assert isinstance(key, int)
        return [c.label for c in rule.categories][key] if key < len(rule.categories) else rule.other_label or ""
    if isinstance(rule, YearlyRule):
        return _label(rule.label, ("rule", "label"), year=key)
    if isinstance(rule, DistinctRule):
        return _label(rule.label, ("rule", "label"), value=key)
    assert isinstance(key, str)
    return STATE_NAMES[key]


def scope_of(table: Table | CrossTab) -> str:
    """The scope a table's headings name: 'Pool' for the whole pool's table (a deal without groups has no other), 'Group' for a group's."""
    return SCOPES[0] if table.group_key is None else SCOPES[1]


def heading(lines: Sequence[str], scope: str, loc: tuple[str | int, ...] = ()) -> list[str]:
    """Heading or title lines with `{{ scope }}` rendered ('% of {{ scope }}'); lines without a placeholder as written."""
    return [_label(line, (*loc, n), scope=scope) if "{" in line else line for n, line in enumerate(lines)]


def _headings(spec: TableSpec, scope: str) -> None:
    """Render every heading of the spec once, so that a failing one is a problem at its line before any format prints it."""
    heading(spec.title, scope, ("title",))
    heading(spec.header, scope, ("header",))
    for n, column in enumerate(spec.columns or ()):
        heading(column.header, scope, ("columns", n, "header"))
    if spec.across is not None and spec.across.header is not None:
        heading(spec.across.header, scope, ("across", "header"))


def labelled(tables: Sequence[Table | CrossTab], places: TablePlaces | None = None) -> list[Table | CrossTab]:
    """The tables with every row, and a cross-tab's every column, labelled (what documents and exports print).

    Args:
        tables: Computed tables, from `analyse(...).tables` or `compute_table`.
        places: Where their specs are in the deal file, so that a failing label names its line.

    Returns:
        Copies of the tables with `Row.label`, `CrossTab.row_labels` and `column_labels` set.

    Raises:
        DealdocsError: A label or heading template fails (placed at its key, as `validate` reports it).
    """
    out: list[Table | CrossTab] = []
    for table in tables:
        with _placed(places or TablePlaces(), table.spec):
            _headings(table.spec, scope_of(table))
            out.append(_labelled(table))
    return out


@contextmanager
def _placed(places: TablePlaces, spec: TableSpec) -> Iterator[None]:
    """A table's labels and headings rendered within one time and memory budget; what fails is a problem at its deal-file key.

    A label past the budget is placed at its own key; the time running out between two
    labels, at the table.
    """
    try:
        with budget(f"rendering the labels of table `{spec.id}`"):
            yield
    except _Failed as failed:
        raise DealFileError([places.spec(spec, failed.loc, failed.value, failed.message)]) from None
    except BudgetExceeded as exc:
        raise DealFileError([places.spec(spec, (), None, f"label template failed: {exc}")]) from None


def analysed(loaded: LoadedDeal, tape: Path | None = None) -> PoolAnalysis:
    """The pool's analysis (`pool.analysis.analyse`) with every table `labelled`: the figures and words every output prints.

    Raises:
        DealdocsError: As `analyse`, or a label that fails (placed at its deal-file key).
    """
    analysis = analyse(loaded, tape)
    return dataclasses.replace(analysis, tables=labelled(analysis.tables, TablePlaces(loaded)))


def _labelled(table: Table | CrossTab) -> Table | CrossTab:
    if isinstance(table, Table):
        return dataclasses.replace(table, rows=[dataclasses.replace(r, label=row_label(table.spec, r.key)) for r in table.rows])
    across = table.across
    assert across is not None and table.spec.across is not None
    try:
        columns = [row_label(across, key) for key in table.column_keys]
    except _Failed as failed:  # the across axis's own rule, or the rule of the table it names
        where = ("across", *failed.loc) if table.spec.across.table is None else ("across", "table")
        raise _Failed(where, failed.value, failed.message) from None
    return dataclasses.replace(table, row_labels=[row_label(table.spec, key) for key in table.row_keys], column_labels=columns)


def trial(places: TablePlaces, year: int) -> Callable[[TableSpec], None]:
    """`check_tables`' label check: every label and heading of a spec rendered with representative values (`trial_keys`, `year`).

    A failing one is raised as a problem at its deal-file key (rule.label, rule.first_label, ...).
    """

    def check(spec: TableSpec) -> None:
        with _placed(places, spec):
            _trial(spec, year)

    return check


def _trial(spec: TableSpec, year: int) -> None:
    for key in trial_keys(spec, year):
        row_label(spec, key)
    rule = spec.rule
    if isinstance(rule, BandsRule) and len(rule.edges) == 1 and not rule.clamp_to_data:
        _label_syntax(rule.label)  # never printed with one edge, but it must still be a template
    if (across := across_trial_keys(spec, year)) is not None:
        axis, keys = across
        try:
            for key in keys:
                row_label(axis, key)
        except _Failed as failed:
            raise _Failed(("across", *failed.loc), failed.value, failed.message) from None
    for scope in SCOPES:
        _headings(spec, scope)


def _label_syntax(source: str) -> None:
    try:
        _label_template(source)
    except Exception as exc:
        raise _Failed(("rule", "label"), source, f"label template failed: {exc}") from None
