"""Tables of the modern term sheet as grids of printed cells, and their EDGAR text layout.

A strat table with columns, a cross-tab and the pool-data block all become one `Grid`: column
headings, rows of printed figures, a total row. Every format lays out the same grid (the text
here, HTML, EDGAR HTML and Word in their templates), so a figure is formatted once, and the
formats cannot disagree on it. The words a grid adds (the total row's label, the count and
balance headings of a table without columns) come from the prose module's `table_words`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

from jinja2 import pass_context
from jinja2.runtime import Context

from generator import edgar
from generator.documents.labels import SCOPES, heading, scope_of

if TYPE_CHECKING:
    from generator.deal.loading import LoadedDeal
    from generator.deal.models import Column, Pool, TableSpec
    from generator.errors import Problem
    from generator.pool.columns import Figure
    from generator.pool.crosstab import CrossTab
    from generator.pool.pool_data import PoolData
    from generator.pool.strats import Table, TablePlaces

GAP = 2
"""Spaces between two columns of an EDGAR text table."""
MIN_LABEL = 16
"""The narrowest label column the text wraps labels into before it takes a 132-character table."""
NOT_AVAILABLE = "N/A"
"""A figure over no loans: a weighted average of loans that all lack the field."""
NOMINAL = {"count": 5, "balance": 13, "percent": 6, "average_balance": 9, "share": 6}
"""Widths a column's figures take at most in a real pool, for the check made before any tape is read."""
POOL_LEAST = {"balance": 9, "largest_state": 9}
"""Widths a pool-data line's figures take at least in a real pool ('1,000,000', '0.00 (CA)'), for the check made before any tape is read."""
DOLLAR = "$"
"""Set flush before the figure of a money column's first and total rows (the deal file's `page.dollar_signs`)."""
MONEY_KINDS = frozenset({"balance", "average_balance"})
"""Column kinds whose figures are dollars whatever their field."""
OF_A_FIELD = frozenset({"weighted_average", "minimum", "maximum"})
"""Column kinds whose figures are in their field's units: dollars for a money field."""


KEEP_WHOLE = 40
"""Rows a table may have and still fit on a page, a landscape one too: kept whole with its title in the PDF and in Word; a longer one breaks."""


@dataclass(frozen=True)
class Grid:
    """A table as printed cells: headings (lines per column, the label column first), rows, total row."""

    id: str
    title: list[str]
    group: str | None
    heads: list[list[str]]
    rows: list[list[str]]
    total: list[str] | None
    span: list[str] | None = None  # a heading over every figure column (a cross-tab's across axis)
    footnote: str | None = None
    new_page: bool = False
    money: tuple[bool, ...] = ()  # per figure column: its figures are dollars (`dollar_signs`); none when empty
    landscape: bool = False  # set on a landscape page of its own (the deal file's `page.landscape_tables`)
    whole: bool = field(init=False)  # at most `KEEP_WHOLE` rows: never broken over pages (a template reads it as data)

    def __post_init__(self) -> None:
        object.__setattr__(self, "whole", len(self.rows) <= KEEP_WHOLE)


def figure(value: Figure | str) -> str:
    """A figure as every format prints it: thousands separated, the decimals it was rounded to, N/A for none."""
    if value is None:
        return NOT_AVAILABLE
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,}"


def table_grid(table: Table | CrossTab, words: Mapping[str, str], money: frozenset[str] = frozenset()) -> Grid:
    """A computed table or cross-tab as the printed cells every format lays out.

    Args:
        table: From `compute_table` or `analyse(...).tables`.
        words: The prose module's `table_words`: `count` and `balance` (headings of a table
            without columns) and `total` (the total row's and column's label).
        money: The loan fields in dollars (`money_fields`), which mark a column of their
            weighted averages, minima or maxima as money (`Grid.money`).

    Returns:
        Its grid: headings per column, a row of cells per row, the total row; a cross-tab's
        across heading in `span`.
    """
    if table.spec.across is not None:  # a cross-tab (a template holds its data, not its class)
        return _crosstab_grid(cast("CrossTab", table), words)
    return _strat_grid(cast("Table", table), words, money)


def _titled(
    table: Table | CrossTab, heads: list[list[str]], rows: list[list[str]], total: list[str], money: tuple[bool, ...], span: list[str] | None = None
) -> Grid:
    spec = table.spec
    return Grid(spec.id, heading(spec.title, scope_of(table)), table.group, heads, rows, total, span, spec.footnote, spec.new_page, money)


def money_fields(term_sheet: Any) -> frozenset[str]:
    """The names of the loan fields in dollars: the canonical money fields and the term sheet's custom ones (its model or a template's copy)."""
    from generator.fields import FIELDS, Kind

    custom = term_sheet.pool.custom_fields if term_sheet is not None else []
    return frozenset({name for name, field in FIELDS.items() if field.kind is Kind.MONEY} | {c.name for c in custom if c.kind == "money"})


def _is_money(column: Column, money: frozenset[str]) -> bool:
    """A column of dollar figures: balances, average balances, or a weighted average, minimum or maximum of a field in `money`."""
    if column.kind in MONEY_KINDS:
        return True
    return column.kind in OF_A_FIELD and getattr(column.field, "value", column.field) in money  # a model's field is an enum, a template's its value


def _crosstab_grid(table: CrossTab, words: Mapping[str, str]) -> Grid:
    spec, scope = table.spec, scope_of(table)
    assert table.across is not None
    heads = [heading(spec.header, scope), *([label] for label in table.column_labels), [words["total"]]]
    rows = [[label, *map(figure, cells), figure(total)] for label, cells, total in zip(table.row_labels, table.cells, table.row_totals, strict=True)]
    total = [words["total"], *map(figure, table.column_totals), figure(table.total)]
    money = (spec.cell == "balance",) * (len(heads) - 1)
    return _titled(table, heads, rows, total, money, heading(table.across.header, scope))


def _strat_grid(table: Table, words: Mapping[str, str], money: frozenset[str]) -> Grid:
    spec, scope = table.spec, scope_of(table)
    if not spec.columns:  # a table without columns prints the count and balance, as the 8-K does
        heads = [heading(spec.header, scope), [words["count"]], [words["balance"]]]
        rows = [[r.label, figure(r.count), figure(r.balance)] for r in table.rows]
        return _titled(table, heads, rows, [words["total"], figure(table.count), figure(table.balance)], (False, True))
    heads = [heading(spec.header, scope), *(heading(c.header, scope) for c in spec.columns)]
    rows = [[r.label, *map(figure, r.figures)] for r in table.rows]
    return _titled(table, heads, rows, [words["total"], *map(figure, table.figures)], tuple(_is_money(c, money) for c in spec.columns))


def page_set(grid: Grid, page: Any) -> Grid:
    """The grid as the deal file's `page` options set it: marked for a landscape page, '$' on money columns' first and total rows.

    Args:
        grid: From `table_grid`, `pool_grid` or `certificates_grid`.
        page: The term sheet's `page` (the model, or a template's copy of it); None: as it is.

    Returns:
        The grid, `landscape` if its id is among `page.landscape_tables`, and with `page.dollar_signs`
        a '$' flush before each figure (not 'N/A' or an empty cell) of a money column in the first row
        and the total row: the figures stay right-aligned, so on the decimal point, the '$' floating
        before the first digit, as a financial printer sets a term sheet.
    """
    if page is None:
        return grid
    if grid.id in page.landscape_tables:
        grid = replace(grid, landscape=True)
    if not page.dollar_signs or not grid.money:
        return grid

    def signed(row: list[str]) -> list[str]:
        cells = zip(row[1:], grid.money, strict=True)
        return [row[0], *(DOLLAR + cell if money and cell[:1].isdigit() else cell for cell, money in cells)]

    rows = [signed(grid.rows[0]), *grid.rows[1:]] if grid.rows else []
    return replace(grid, rows=rows, total=signed(grid.total) if grid.total else None)


def _page_of(context: Context) -> Any:
    """The term sheet's `page` options from a template's context; None for a template without a term sheet."""
    term_sheet = context.get("term_sheet")
    return getattr(term_sheet, "page", None)


def pool_grid(block: PoolData, words: Mapping[str, str]) -> Grid:
    """The pool-data block as a grid: a line per figure, a column per group and the total; no total row.

    Args:
        block: `analyse(...).pool_data`.
        words: The prose module's `table_words`: `characteristic` (the label column's heading),
            `pool` (an ungrouped pool's column) and `pool_data` (the title).

    Returns:
        Its grid; the largest state's share carries the state's code, '40.21 (CA)'; a group's
        cell of a line not printed for it (`only_groups`) is empty.
    """
    heads = [[words["characteristic"]], *([label or words["pool"]] for label in block.columns)]
    rows = []
    for line in block.lines:
        cells = [figure(value) for value in line.figures]
        cells = [f"{cell} ({note})" if note else cell for cell, note in zip(cells, line.notes, strict=True)]
        cells = ["" if blank else cell for cell, blank in zip(cells, line.blank or [False] * len(cells), strict=True)]  # only_groups
        rows.append([line.item.label, *cells])
    return Grid(id="pool-data", title=[words["pool_data"]], group=None, heads=heads, rows=rows, total=None)


# --- the templates' filters ------------------------------------------------------------


@pass_context
def _grid_filter(context: Context, table: Any, words: Mapping[str, str]) -> Any:
    """A computed table or cross-tab as printed cells (`documents.grids`), the same in every format, set as the deal's `page` asks."""
    from generator.templating.sandbox import plain

    term_sheet = context.get("term_sheet")
    return plain(page_set(table_grid(table, words, money_fields(term_sheet)), _page_of(context)))


@pass_context
def _pool_grid_filter(context: Context, block: Any, words: Mapping[str, str]) -> Any:
    """The pool-data block as printed cells, one column per group and the total."""
    from generator.templating.sandbox import plain

    return plain(page_set(pool_grid(block, words), _page_of(context)))


@pass_context
def _certificates_grid_filter(context: Context, rows: Any, words: Mapping[str, Any]) -> Any:
    """The offered certificates table as printed cells (`documents.certificates`)."""
    from generator.documents.certificates import certificates_grid
    from generator.templating.sandbox import plain

    return plain(page_set(certificates_grid(rows, words), _page_of(context)))


FILTERS: dict[str, Callable[..., Any]] = {"grid": _grid_filter, "pool_grid": _pool_grid_filter, "certificates_grid": _certificates_grid_filter}
"""The filters that give templates a table as printed cells; every format adds them to its environment."""


# --- EDGAR text ------------------------------------------------------------------------------


class TooWide(ValueError):
    """A table whose figures alone leave no room for its labels within 132 characters."""


_NOTE = re.compile(r"(?P<figure>.*?)(?P<note> \([^()]*\))?")
"""A figure cell and the note after it, '39.55 (CA)': in text the note hangs right of the figure column."""


def _split(cell: str) -> tuple[str, str]:
    """(figure, note) of a cell; the note '' when it has none."""
    found = _NOTE.fullmatch(cell)
    assert found is not None  # every string matches: the note is optional
    return found["figure"], found["note"] or ""


def _cells(grid: Grid) -> list[list[str]]:
    return [*grid.rows, *([grid.total] if grid.total else [])]


def _notes(grid: Grid) -> list[int]:
    """Each figure column's room for notes: its widest note, so that the figures stay aligned on their right edge.

    None (the notes written inside their columns, as a figure's last characters) when hanging
    them would leave the table too wide for EDGAR's 132 columns: many groups still fit.
    """
    hanging = [max([len(_split(row[j])[1]) for row in _cells(grid)] + [0]) for j in range(1, len(grid.heads))]
    if sum(w + GAP for w in _widths(grid, hanging)) + min(_natural(grid), MIN_LABEL) > edgar.TABLE_WIDTH:
        return [0] * len(hanging)
    return hanging


def _widths(grid: Grid, notes: Sequence[int] | None = None) -> list[int]:
    """Each figure column's width: its widest heading line, or its widest figure and the room for notes beside it (`_notes`)."""
    notes = _notes(grid) if notes is None else notes
    return [
        max([*map(len, grid.heads[j]), *(len(_split(row[j])[0]) + notes[j - 1] if notes[j - 1] else len(row[j]) for row in _cells(grid))])
        for j in range(1, len(grid.heads))
    ]


def _natural(grid: Grid) -> int:
    """The label column's width unwrapped: its widest heading line or label."""
    return max([*map(len, grid.heads[0]), *(len(row[0]) for row in _cells(grid)), 1])


def measure(grid: Grid) -> tuple[list[int], int]:
    """(figure column widths, natural label width) of a grid, as `text_table` measures it."""
    return _widths(grid), _natural(grid)


def text_width(figures: Sequence[int], natural: int) -> tuple[int, int]:
    """(label column width, line width) for figure columns of `figures` widths and labels `natural` wide.

    Within 80 characters if the labels fit whole or wrapped to `MIN_LABEL`; else up to 132
    (a <TABLE>); raises `TooWide` when even 132 leaves less than `MIN_LABEL` for the labels
    (less than `natural` for labels narrower than that: they are never wrapped).
    """
    used = sum(w + GAP for w in figures)
    for limit in (edgar.WIDTH, edgar.TABLE_WIDTH):
        if used + min(natural, MIN_LABEL) <= limit:
            label = min(natural, limit - used)
            return label, label + used
    labels = f"at least {MIN_LABEL} wide" if natural > MIN_LABEL else f"{natural} wide"
    raise TooWide(f"its {len(figures)} figure columns take {used} characters: with labels {labels}, more than {edgar.TABLE_WIDTH}")


def table_width(grids: Sequence[Grid]) -> int:
    """The one width a document sets all its tables to: the widest any of them needs.

    Within 80 characters when every table fits there (labels wrapped down to `MIN_LABEL`);
    else as wide as the widest table with its labels unwrapped, up to 132, since a document
    past 80 columns gains nothing by wrapping labels. So the tables of a document share their
    right edge and none sits in another indent.

    Raises:
        TooWide: A table does not fit even in 132 characters.
    """
    measured = [measure(grid) for grid in grids]
    width = max((text_width(*m)[1] for m in measured), default=edgar.WIDTH)
    if width <= edgar.WIDTH:
        return width
    return max(width, *(min(sum(w + GAP for w in figures) + natural, edgar.TABLE_WIDTH) for figures, natural in measured))


def text_table(grid: Grid, width: int | None = None) -> str:
    """The grid as EDGAR text: figures right-aligned under right-aligned headings, labels wrapped.

    Args:
        grid: From `table_grid` or `pool_grid`.
        width: The document's one table width (`table_width`): the label column takes what the
            figures leave, and the table is set between <TABLE> and </TABLE> whatever its width,
            like every table of the document. None: as wide as the table needs.

    Returns:
        The table's lines: within 80 characters when the labels fit (wrapped down to
        `MIN_LABEL`), else between <TABLE> and </TABLE>, 132 characters at most. A note
        after a figure ('39.55 (CA)') hangs right of the figures, which stay aligned; a
        table without a total row is closed by a rule.

    Raises:
        TooWide: Its figure columns leave less than `MIN_LABEL` for the labels even in 132, or
            less than its labels need within `width`.
    """
    notes = _notes(grid)
    widths = _widths(grid, notes)
    label, width_ = text_width(widths, _natural(grid))
    if width is not None:
        if not width_ <= width <= edgar.TABLE_WIDTH:
            raise TooWide(f"it needs {width_} characters; a table width of {width} is outside {width_}-{edgar.TABLE_WIDTH}")
        label, width_ = label + width - width_, width
    out: list[str] = []
    for line in [*grid.title, *([grid.group] if grid.group else [])]:
        out += [edgar.center(line, max(width_, edgar.WIDTH))]
    out.append("")
    indent = " " * ((edgar.WIDTH - width_) // 2) if width_ < edgar.WIDTH else ""  # a narrow table sits centred under its title
    if grid.span:
        figures_width = width_ - label
        for line in grid.span:
            out.append(" " * label + edgar.center(line, figures_width).rstrip())
        out.append(" " * label + ("-" * (figures_width - GAP)).rjust(figures_width))
    heads = [edgar.lines(" ".join(grid.heads[0]), label) if len(grid.heads[0]) == 1 else [x for h in grid.heads[0] for x in edgar.lines(h, label)]]
    heads += [list(h) for h in grid.heads[1:]]
    depth = max(map(len, heads))
    heads = [[""] * (depth - len(h)) + h for h in heads]
    for n in range(depth):
        out.append(_line(label, widths, [h[n] for h in heads]))
    rules = ["", *("-" * w for w in widths)]
    out.append(_line(label, widths, ["-" * min(label, max(map(len, heads[0]))), *rules[1:]]))
    for row in grid.rows:
        out += _row(label, widths, notes, row)
    if grid.total:
        out.append(_line(label, widths, rules))
        out += _row(label, widths, notes, grid.total)
    else:
        out.append(_line(label, widths, rules))  # the closing rule of a table without a total
    titled = len(grid.title) + (1 if grid.group else 0) + 1
    out[titled:] = [indent + line if line else line for line in out[titled:]]
    if grid.footnote:
        out += ["", *edgar.lines(grid.footnote, max(width_, edgar.WIDTH))]
    body = "\n".join(line.rstrip() for line in out)
    return f"<TABLE>\n{body}\n</TABLE>" if width_ > edgar.WIDTH or width is not None else body


def _line(label: int, widths: Sequence[int], cells: Sequence[str]) -> str:
    return cells[0].ljust(label) + "".join(" " * GAP + cell.rjust(w) for cell, w in zip(cells[1:], widths, strict=True))


def _row(label: int, widths: Sequence[int], notes: Sequence[int], row: Sequence[str]) -> list[str]:
    """A row: its label wrapped, the figures on the label's last line, each note right of its figure column."""
    wrapped = edgar.lines(row[0], label)
    figures = [
        figure.rjust(w - room) + note.ljust(room) if room else (figure + note).rjust(w)
        for (figure, note), w, room in zip(map(_split, row[1:]), widths, notes, strict=True)
    ]
    return [*wrapped[:-1], _line(label, widths, [wrapped[-1], *figures])]


# --- the check made at validate time --------------------------------------------------------


def nominal_widths(spec: TableSpec) -> list[int] | None:
    """Figure column widths a table's spec needs at least, before any tape is read; None for a cross-tab (its columns come from the data)."""
    if spec.across is not None:
        return None
    columns = spec.columns or []
    return [max([*(len(line) for scope in SCOPES for line in heading(c.header, scope)), NOMINAL.get(c.kind, 7)]) for c in columns]


def width_problems(places: TablePlaces, specs: Sequence[TableSpec], tables: Sequence[Table | CrossTab] = ()) -> list[Problem]:
    """Every table too wide for 132 characters, at its deal-file line: from the computed `tables`, else from the specs' headings."""
    blank = {"count": "", "balance": "", "total": "", "characteristic": "", "pool": "", "pool_data": ""}
    term_sheet = places.loaded.deal.term_sheet if places.loaded is not None else None
    page = term_sheet.page if term_sheet is not None else None  # measured with the '$' it prints
    problems: list[Problem] = []
    seen: set[str] = set()
    for table in tables:
        if table.spec.id in seen:
            continue
        try:
            grid = page_set(table_grid(table, blank, money_fields(term_sheet)), page)
            text_width(_widths(grid), _natural(grid))  # as `text_table` measures it: labels narrower than MIN_LABEL are not wrapped
        except TooWide as exc:
            seen.add(table.spec.id)
            problems.append(places.spec(table.spec, ("columns",), table.spec.id, _too_wide(table.spec.id, exc)))
    if not tables:
        for spec in specs:
            widths = nominal_widths(spec)
            try:
                natural = max(len(line) for scope in SCOPES for line in heading(spec.header, scope))  # the labels are not known: the heading's lines
                text_width(widths or [], natural)
            except TooWide as exc:
                problems.append(places.spec(spec, ("columns",), spec.id, _too_wide(spec.id, exc)))
    return problems


def _too_wide(table: str, why: Exception) -> str:
    return f"table `{table}` is too wide for EDGAR text: {why}; drop columns or shorten their headings"


def pool_width_problems(loaded: LoadedDeal, pool: Pool, block: PoolData | None = None) -> list[Problem]:
    """The pool-data block, if too wide for 132 characters, as a problem at the deal file's `pool.groups` line.

    Measured as `text_table` lays it out: on the computed `block` when given, else (before any
    tape is read) on its headings and the narrowest figures a real pool prints, so that a block
    that may fit is not refused before its figures are known.
    """
    if not pool.summary or pool.groups is None:  # one column: never too wide
        return []
    if block is not None:
        blank = {"characteristic": "", "pool": "", "pool_data": ""}
        grid = pool_grid(block, blank)
        widths, natural = _widths(grid), _natural(grid)
    else:
        least = max(POOL_LEAST.get(item.kind, 1) for item in pool.summary)
        widths = [max(len(label), least) for label in [*pool.groups.labels.values(), pool.groups.total_label]]
        natural = max(len(item.label) for item in pool.summary)
    try:
        text_width(widths, natural)
    except TooWide as exc:
        groups = len(pool.groups.labels)
        message = (
            f"the pool-data block (pool.summary) is too wide for EDGAR text ({groups} groups and the total, a column each): "
            f"{exc}; shorten the group labels and total_label, or group the loans into fewer groups"
        )
        return [loaded.problem(("term_sheet", "pool", "groups"), None, message)]
    return []
