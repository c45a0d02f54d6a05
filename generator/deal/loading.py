"""Reading a deal file: YAML in, a validated `Deal` out, or every problem with its line."""

from __future__ import annotations

import difflib
import enum
import errno
import os
import re
import stat
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, RootModel, ValidationError
from yaml import events

from generator.deal.models import PATTERN_WORDS, Deal
from generator.errors import DealdocsError, DealFileError, Problem, printable

SHOWN_PROBLEMS = 50
"""A deal file's problems listed at most (and a count of the rest), as for a tape's."""

MAX_DEPTH = 64
"""Nesting deeper than this is no deal file (the deepest key of a real one is 8 levels down)."""

MAX_DIGITS = 100
"""A number with more digits than this is no figure of a deal (and Python refuses 4,300)."""

MAX_ALIASED = 100_000
"""Values that YAML aliases (`*name`) may repeat in all: more is a 'billion laughs' file."""

Key = str | int
KeyIndex = dict[int, dict[str, tuple[yaml.Node, yaml.Node]]]
"""Each mapping node's keys (by `id` of the node): key text to its key and value nodes, for O(1) line lookups."""


@dataclass(frozen=True)
class LoadedDeal:
    """A validated deal and where it came from, so relative paths resolve against its folder."""

    deal: Deal
    path: Path
    root: yaml.Node | None = None  # the YAML node tree, for the line of any key
    keys: KeyIndex | None = field(default=None, repr=False, compare=False)

    def resolve(self, relative: str) -> Path:
        """A path of the deal file (tape, templates folder) made absolute; a symlink loop is left for the check to report."""
        path = self.path.parent / relative
        try:
            return path.resolve()
        except (RuntimeError, OSError):  # Python before 3.13 raises RuntimeError on a symlink loop
            return Path(os.path.abspath(path))

    def line(self, *loc: Key) -> int | None:
        """The deal file's line of a key path such as ('term_sheet', 'pool', 'columns', 'fico')."""
        return _line_of(self.root, loc, self.keys)

    def problem(self, loc: tuple[Key, ...], value: str | None, message: str) -> Problem:
        """A problem at a key of this deal file, with its line: what a deal team edits to fix it."""
        return Problem(str(self.path), self.line(*loc), ".".join(map(str, loc)), value, message)


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...], keys: KeyIndex | None = None) -> int | None:
    """The 1-based line of the YAML node a pydantic error location points to (or its nearest parent).

    A mapping's key is found through `keys` when given (one dictionary look-up), else by a scan.
    """
    line = None if node is None else node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            table = None if keys is None else keys.get(id(node))
            if table is not None:
                pair = table.get(key if isinstance(key, str) else str(key))
            else:
                pair = next(((k, v) for k, v in node.value if k.value == key), None)
            if pair is None:
                break
            node = pair[1]
            line = node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line


# --- reading the file --------------------------------------------------------------------


def _file_problem(path: Path | str, message: str) -> DealFileError:
    return DealFileError([Problem(str(path), None, None, None, message)])


_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def not_a_file(mode: int) -> str | None:
    """Why a file of this mode cannot be read as a deal file or a tape, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return f"not a regular file: it is {_KINDS.get(stat.S_IFMT(mode), 'a special file')}"


def _os_error(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "cannot read file: no such file"
    if exc.errno == errno.ELOOP:
        return "cannot read file: a loop of symbolic links"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "cannot read file: permission denied"
    return f"cannot read file: {exc.strerror or exc}"


def check_path(path: Path | str) -> str | None:
    """Why `path` cannot be read as an input file (NUL in its name, a symlink loop, a FIFO, a folder...), or None."""
    if "\0" in str(path):
        return "the path contains a NUL byte"
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return None if exc.errno == errno.ENOENT else _os_error(exc)  # a missing file: the reader says so
    except ValueError:
        return "not a valid path"
    if not stat.S_ISREG(mode):
        return not_a_file(mode)
    return None if os.access(path, os.R_OK) else "cannot read file: permission denied"


def read_text(path: Path) -> str:
    """A deal file's text. Opened without blocking and checked to be a regular file before it is read."""
    if "\0" in str(path):
        raise _file_problem(str(path).replace("\0", "\\0"), "the path contains a NUL byte")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _file_problem(path, _os_error(exc)) from None
    try:
        why = not_a_file(os.fstat(fd).st_mode)
        if why is not None:
            raise _file_problem(path, why)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read()
    except OSError as exc:
        raise _file_problem(path, _os_error(exc)) from None
    finally:
        os.close(fd)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.end].hex()
        raise DealFileError([Problem(str(path), line, None, None, f"not UTF-8 text (byte 0x{bad}): save the file as UTF-8")]) from None


# --- composing the YAML -----------------------------------------------------------------

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_INT = "tag:yaml.org,2002:int"
_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_FLOAT = "tag:yaml.org,2002:float"
_DECIMAL = re.compile(r"[-+]?(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9]+)?")


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]  # libyaml's parser when installed: far faster
    """The safe loader, reading a number with a decimal point as the Decimal written: 2.250 of a margin, never a binary fraction."""


def _exact_float(loader: Any, node: yaml.ScalarNode) -> Decimal | float:
    """A YAML float as the Decimal its text says (2.2500000000000001 stays finer than a margin is stored); .inf, .nan as floats."""
    text = node.value.replace("_", "")
    if _DECIMAL.fullmatch(node.value) and any(c.isdigit() for c in text):
        return Decimal(text)
    return float(loader.construct_yaml_float(node))


_Loader.add_constructor(_FLOAT, _exact_float)


class _Frame:
    """An open sequence or mapping: its node, the key whose value comes next, its key index, its size."""

    __slots__ = ("at", "key", "node", "size", "table")

    def __init__(self, node: yaml.Node, table: dict[str, tuple[yaml.Node, yaml.Node]] | None) -> None:
        self.node, self.table, self.size = node, table, 1
        self.key: yaml.Node | None = None
        self.at: Key = 0  # where the child being read sits: its index or its key


class _Stop(Exception):
    """Composing cannot go on (too deep, an alias loop): report what was found so far."""


class _Composer:
    """One pass over the parser's events: the node tree, each mapping's key index and the file's problems.

    Iterative (a 1,000-deep `[[[...]]]` is a message, not a RecursionError or a crash), and it
    checks what the YAML constructor would crash on (impossible dates, numbers of thousands of
    digits) or silently accept (duplicate keys, aliases repeating a value millions of times).
    """

    def __init__(self, loader: Any, file: str) -> None:
        self.loader, self.file = loader, file
        self.keys: KeyIndex = {}
        self.problems: list[Problem] = []
        self.anchors: dict[str, yaml.Node] = {}
        self.anchored: set[int] = set()
        self.open: set[int] = set()  # collections not yet closed: an alias to one is a loop
        self.sizes: dict[int, int] = {}  # anchored node -> values it holds
        self.aliased = 0
        self.stack: list[_Frame] = []

    def compose(self) -> yaml.Node | None:
        get, check = self.loader.get_event, self.loader.check_event
        get()  # stream start
        if check(events.StreamEndEvent):
            return None
        get()  # document start
        root = None
        try:
            root = self._document()
        except _Stop:
            return None
        get()  # document end
        if not check(events.StreamEndEvent):
            mark = self.loader.peek_event().start_mark
            self._problem(mark.line + 1, None, None, "more than one YAML document (a second `---`): a deal file is one document")
        return root

    def _document(self) -> yaml.Node | None:
        get, resolve = self.loader.get_event, self.loader.resolve
        stack, root = self.stack, None
        while True:
            event = get()
            kind = event.__class__
            if kind is events.ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(yaml.ScalarNode, event.value, event.implicit)
                scalar = yaml.ScalarNode(tag, event.value, event.start_mark, None, style=event.style)  # no end mark: less memory
                if tag == _TIMESTAMP or (tag == _INT and len(event.value) > MAX_DIGITS):
                    self._check_scalar(scalar)
                node: yaml.Node = scalar
                size = 1
            elif kind is events.SequenceStartEvent or kind is events.MappingStartEvent:
                if len(stack) >= MAX_DEPTH:
                    self._problem(event.start_mark.line + 1, self._loc(), None, f"nested more than {MAX_DEPTH} levels deep: no deal file is")
                    raise _Stop
                tag = event.tag
                if kind is events.SequenceStartEvent:
                    if tag is None or tag == "!":
                        tag = resolve(yaml.SequenceNode, None, event.implicit)
                    node = yaml.SequenceNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
                    frame = _Frame(node, None)
                else:
                    if tag is None or tag == "!":
                        tag = resolve(yaml.MappingNode, None, event.implicit)
                    node = yaml.MappingNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
                    frame = _Frame(node, {})
                    self.keys[id(node)] = frame.table  # type: ignore[assignment]
                if event.anchor is not None:
                    self.anchors[event.anchor] = node
                    self.anchored.add(id(node))
                self.open.add(id(node))
                self._attach(node)
                stack.append(frame)
                continue
            elif kind is events.SequenceEndEvent or kind is events.MappingEndEvent:
                frame = stack.pop()
                frame.node.end_mark = event.end_mark
                self.open.discard(id(frame.node))
                if id(frame.node) in self.anchored:
                    self.sizes[id(frame.node)] = frame.size
                if stack:
                    stack[-1].size += frame.size
                    continue
                return frame.node
            elif kind is events.AliasEvent:
                if event.anchor not in self.anchors:
                    self._problem(event.start_mark.line + 1, self._loc(), f"*{event.anchor}", "an alias to an anchor that is not defined before it")
                    raise _Stop
                node = self.anchors[event.anchor]
                if id(node) in self.open:
                    self._problem(event.start_mark.line + 1, self._loc(), f"*{event.anchor}", "an alias inside the value it repeats (a loop)")
                    raise _Stop
                size = self.sizes.get(id(node), 1)
                self.aliased += size
                if self.aliased > MAX_ALIASED:
                    too_many = f"aliases repeat more than {MAX_ALIASED} values: write the values out"
                    self._problem(event.start_mark.line + 1, self._loc(), f"*{event.anchor}", too_many)
                    raise _Stop
            else:  # pragma: no cover - the parser ends a document only after its root node
                return root
            if kind is events.ScalarEvent and event.anchor is not None:
                self.anchors[event.anchor] = node
            if not stack:
                return node
            stack[-1].size += size
            self._attach(node)

    def _attach(self, node: yaml.Node) -> None:
        """Put a finished (or just opened) node into its parent: a sequence item, a key or a key's value."""
        if not self.stack:
            return
        frame = self.stack[-1]
        if frame.table is None:
            frame.at = len(frame.node.value)
            frame.node.value.append(node)
        elif frame.key is None:
            frame.at = "?"  # a key that is itself a mapping or a sequence
            frame.key = node
        else:
            key, frame.key = frame.key, None
            frame.at = key.value if isinstance(key, yaml.ScalarNode) else "?"
            frame.node.value.append((key, node))
            if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE:
                first = frame.table.get(key.value)
                if first is None:
                    frame.table[key.value] = (key, node)
                else:
                    self._problem(
                        key.start_mark.line + 1, (*self._loc(), key.value), None,
                        f"duplicate key `{printable(key.value)}`: it is already set at line {first[0].start_mark.line + 1}; keep one of them",
                    )  # fmt: skip

    def _check_scalar(self, node: yaml.ScalarNode) -> None:
        if node.tag == _INT:
            digits = sum(c.isdigit() for c in node.value)
            if digits > MAX_DIGITS:
                too_long = f"a number of {digits} digits: no figure of a deal has more than {MAX_DIGITS}"
                self._problem(node.start_mark.line + 1, self._scalar_loc(node), f"{node.value[:20]}...", too_long)
                node.tag = _STR  # reported: read on as text, so the rest of the file is still checked
            return
        try:
            self.loader.construct_yaml_timestamp(node)
        except ValueError as exc:
            self._problem(node.start_mark.line + 1, self._scalar_loc(node), node.value, f"not a calendar date ({exc}): write it as YYYY-MM-DD")
            node.tag = _STR

    def _scalar_loc(self, node: yaml.ScalarNode) -> tuple[Key, ...]:
        loc = self._loc()
        top = self.stack[-1] if self.stack else None
        return (*loc, node.value) if top is not None and top.table is not None and top.key is None else loc

    def _loc(self) -> tuple[Key, ...]:
        """The key path of the value being read, from the open collections."""
        if not self.stack:
            return ()
        loc = [frame.at for frame in self.stack[:-1]]
        top = self.stack[-1]
        if top.table is None:
            loc.append(len(top.node.value))
        elif top.key is not None:
            loc.append(top.key.value if isinstance(top.key, yaml.ScalarNode) else "?")
        return tuple(loc)

    def _problem(self, line: int, loc: tuple[Key, ...] | None, value: str | None, message: str) -> None:
        dotted = printable(".".join(map(str, loc))) if loc else None
        self.problems.append(Problem(self.file, line, dotted, value, message))


def _parse(path: Path) -> tuple[Any, yaml.Node | None, KeyIndex, list[Problem]]:
    """The data, node tree and key index of a YAML file, and the problems found while reading it.

    A value reported while reading (an impossible date, a 5,000-digit number) is read on as
    text, so that the file's other problems are found in the same pass; a file that cannot
    be read on (bad syntax, nesting past the limit) raises.
    """
    text = read_text(path)
    loader = _Loader(text)
    composer = _Composer(loader, str(path))
    try:
        root = composer.compose()
        if composer.problems and root is None:
            raise DealFileError(composer.problems[:SHOWN_PROBLEMS], len(composer.problems))
        data = None if root is None else loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = None if mark is None else mark.line + 1
        reason = getattr(exc, "problem", None) or str(exc)
        problems = [*composer.problems, Problem(str(path), line, None, None, f"invalid YAML: {reason}")]
        raise DealFileError(problems[:SHOWN_PROBLEMS], len(problems)) from None
    finally:
        loader.dispose()
    return data, root, composer.keys, composer.problems


def parse_yaml_with_keys(path: Path) -> tuple[Any, yaml.Node | None, KeyIndex]:
    """The data, the node tree and its key index of a YAML file, parsed once; every problem raises."""
    data, root, keys, problems = _parse(path)
    if problems:
        raise DealFileError(problems[:SHOWN_PROBLEMS], len(problems))
    return data, root, keys


def parse_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The data and the node tree (for line numbers) of a YAML file; syntax errors become problems."""
    data, root, _ = parse_yaml_with_keys(path)
    return data, root


# --- validating --------------------------------------------------------------------------


def validate_model(model: type[BaseModel], data: Any, path: Path, root: yaml.Node | None, keys: KeyIndex | None = None) -> Any:
    """Validate data against a model, turning every pydantic error into a problem with a line.

    An unknown key close to a field's name is one message at the unknown key's line ("did you
    mean ...?"), with the "missing" error of the field it was meant to be folded into it.
    At most SHOWN_PROBLEMS are listed, with the count of all.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DealFileError(*_problems(model, exc.errors(include_url=False), path, root, keys)) from None


def _problems(model: type[BaseModel], errors: list[Any], path: Path, root: yaml.Node | None, keys: KeyIndex | None) -> tuple[list[Problem], int]:
    locs = [_without_union_tags(err["loc"]) for err in errors]
    missing: dict[tuple[Key, ...], dict[Key, int]] = {}
    for i, (loc, err) in enumerate(zip(locs, errors, strict=True)):
        if err["type"] == "missing" and loc:
            missing.setdefault(loc[:-1], {}).setdefault(loc[-1], i)
    meant: dict[int, str] = {}  # unknown key's error -> the field it was meant to be
    folded: dict[int, int] = {}  # the missing error -> the unknown key's error it is folded into
    for i, (loc, err) in enumerate(zip(locs, errors, strict=True)):
        if err["type"] == "extra_forbidden" and loc and (candidates := missing.get(loc[:-1])):
            free = [str(name) for name, j in candidates.items() if j not in folded]
            if match := difflib.get_close_matches(str(loc[-1]), free, n=1):
                meant[i] = match[0]
                folded[candidates[match[0]]] = i
    total = len(errors) - len(folded)
    problems: list[Problem] = []
    fields: dict[tuple[Key, ...], list[str]] = {}
    for i, (loc, err) in enumerate(zip(locs, errors, strict=True)):
        if len(problems) == SHOWN_PROBLEMS:
            break
        if i in folded:
            continue
        dotted = printable(".".join(str(k) for k in loc)) or "(top level)"
        value = None if err["type"] == "missing" or isinstance(err.get("input"), dict | list) else str(err.get("input"))
        message = _message(model, loc, err)
        if err["type"] == "extra_forbidden" and loc:
            name = printable(str(loc[-1]))
            if i in meant:
                j = next(j for j, k in folded.items() if k == i)
                why = "is required" if _message(model, locs[j], errors[j]) == REQUIRED else f"is missing: {_message(model, locs[j], errors[j])}"
                message = f"unknown key `{name}`: did you mean `{meant[i]}`? (`{meant[i]}` {why})"
            else:
                known = fields.setdefault(loc[:-1], _fields_at(model, loc[:-1]))
                close = difflib.get_close_matches(str(loc[-1]), known, n=1)
                fix = f"did you mean `{close[0]}`?" if close else "remove it, or check its spelling against schemas/deal.schema.json"
                message = f"unknown key `{name}`: " + fix
        problems.append(Problem(str(path), _line_of(root, loc, keys), dotted, value, message))
    return problems, total


REQUIRED = "required: add this key"


def _message(model: type[BaseModel], loc: tuple[Key, ...], err: Any) -> str:
    """A pydantic error in dealdocs' own words where its type is one a deal team meets often; pydantic's text otherwise.

    Messages stay the same when pydantic rewords its own (deal teams' scripts and the tests read them).
    """
    kind = err["type"]
    if "reason" in (err.get("ctx") or {}):  # dealdocs' own check (field_checks), already in its words
        return str(err["msg"])
    if kind == "missing":
        return REQUIRED
    if kind in ("literal_error", "enum") and (choices := _choices(model, loc)):
        return f"must be one of {', '.join(choices)}"
    context = err.get("ctx") or {}
    if kind == "value_error" and "error" in context:  # a model's own check: its words, without pydantic's "Value error, "
        return str(context["error"])
    if kind == "string_pattern_mismatch" and "pattern" in context:
        words = PATTERN_WORDS.get(context["pattern"])
        return f"not of the form this key takes ({words or 'the pattern ' + context['pattern']})"
    return str(err["msg"])


def _leaves(annotation: Any) -> Iterator[Any]:
    """The types an annotation can be, through Annotated, Optional and unions."""
    origin = get_origin(annotation)
    if origin is Annotated:
        yield from _leaves(get_args(annotation)[0])
    elif origin is Union or origin is types.UnionType:
        for arg in get_args(annotation):
            yield from _leaves(arg)
    else:
        yield annotation


def _annotations_at(model: type[BaseModel], loc: tuple[Key, ...]) -> list[Any]:
    """The annotations the models give a location, through nested models, lists and mappings."""
    current: list[Any] = [model.model_fields["root"].annotation if issubclass(model, RootModel) else model]
    for key in loc:
        following = []
        for leaf in (t for a in current for t in _leaves(a)):
            origin, args = get_origin(leaf), get_args(leaf)
            if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                if isinstance(key, str) and key in leaf.model_fields:
                    following.append(leaf.model_fields[key].annotation)
            elif origin in (list, tuple) and args and isinstance(key, int):
                following.append(args[0])
            elif origin is dict and len(args) == 2:
                following.append(args[1])
        current = following
    return current


def _fields_at(model: type[BaseModel], loc: tuple[Key, ...]) -> list[str]:
    """The keys the models allow at a location (for 'did you mean'), or none when it is not a model."""
    current = _annotations_at(model, loc)
    names = {n for a in current for t in _leaves(a) if isinstance(t, type) and issubclass(t, BaseModel) for n in t.model_fields}
    return sorted(names)


def _choices(model: type[BaseModel], loc: tuple[Key, ...]) -> list[str]:
    """The values a Literal or Enum location admits, in declaration order (for "must be one of")."""
    out: list[str] = []
    for leaf in (t for a in _annotations_at(model, loc) for t in _leaves(a)):
        if get_origin(leaf) is Literal:
            out += [str(v).lower() if isinstance(v, bool) else str(v) for v in get_args(leaf)]
        elif isinstance(leaf, type) and issubclass(leaf, enum.Enum):
            out += [str(m.value) for m in leaf]
    return list(dict.fromkeys(out))


# pydantic names the branch of a tagged union in an error's location; the YAML has no such key.
_UNION_TAGS = {
    "rule": {"bands", "categories", "distinct", "yearly", "states"}, "value": {"one", "list", "comparison"}, "letterhead": {"line", "block"},
}  # fmt: skip


def _without_union_tags(loc: tuple[Key, ...]) -> tuple[Key, ...]:
    """An error's location as the YAML spells it: the union tag after `rule` or a share's `value` dropped, a `categories` key kept."""
    return tuple(k for i, k in enumerate(loc) if not (isinstance(k, str) and i and k in _UNION_TAGS.get(str(loc[i - 1]), ())))


def load_deal(path: str | Path) -> LoadedDeal:
    """Load and validate a deal file, keeping its YAML node tree so every later problem can name its line.

    Args:
        path: The deal file (YAML). Relative paths inside it (tape, templates) resolve against its folder.

    Returns:
        The validated deal with its path and node tree.

    Raises:
        DealFileError: The file cannot be read or parsed, or does not fit the model; every problem
            found is listed (up to SHOWN_PROBLEMS, with the total), so a deal team fixes them in one pass.
    """
    path = Path(path)
    data, root, keys, early = _parse(path)
    try:
        deal = validate_model(Deal, data, path, root, keys)
    except DealdocsError as exc:  # the model's problems with the reader's, once each, in line order
        seen = {p.line for p in early}
        later = [p for p in exc.problems if p.line not in seen]
        problems = sorted([*early, *later], key=lambda p: p.line or 0)
        raise DealFileError(problems[:SHOWN_PROBLEMS], len(early) + exc.total - (len(exc.problems) - len(later))) from None
    if early:
        raise DealFileError(early[:SHOWN_PROBLEMS], len(early))
    return LoadedDeal(deal, path.resolve(), root, keys)
