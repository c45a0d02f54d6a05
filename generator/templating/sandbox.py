"""The template sandbox: what a template (ours or a deal team's) may see, call and spend.

Templates and table labels may come from a deal team, so they run under an allow-list:
they are given plain read-only data (`plain`), may read only the attributes and call only
the methods listed here, may not build huge strings, numbers or ranges, and a render that
runs past its time or memory budget is stopped. Every refusal is a `SecurityError` that the
renderer reports with the template's file and line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from functools import wraps
from types import CodeType
from typing import Any, cast

from jinja2 import TemplateError, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.parser import Parser
from jinja2.runtime import Context, LoopContext, Macro, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace
from markupsafe import Markup

MAX_STRING = 1_000_000
"""Longest string a template may build with an operator or filter (a whole term sheet is ~100 kB)."""
MAX_ARGUMENT = 10_000
"""Largest whole number a filter or string method takes as a width, count or number of places."""
MAX_RANGE = 10_000
"""Most items `range()` may produce."""
MAX_EXPONENT_BITS = 10_000
"""Largest result, in bits, of `**`."""
MAX_OUTPUT = 50_000_000
"""Most characters one document's template may write."""


class Record:
    """A model or dataclass as a template sees it: its fields by attribute or key, nothing else."""

    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_fields", dict(fields))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._fields[name]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("template data is read-only")

    def __contains__(self, name: object) -> bool:
        return name in self._fields

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and self._fields == other._fields

    def __hash__(self) -> int:
        return hash(tuple(self._fields))

    def __repr__(self) -> str:
        return f"Record({', '.join(self._fields)})"


def plain(value: Any) -> Any:
    """Template data: models and dataclasses become Records, enums their values, containers copies.

    A template never holds a pydantic model (whose class methods read files and unpickle)
    nor a project object, only the data; methods a template may call are listed by the
    class in `TEMPLATE_METHODS` and copied in as bound methods.
    """
    from pydantic import BaseModel

    if value is None or isinstance(value, str | int | float | Decimal | Fraction | dt.date | bool):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        fields = {name: plain(getattr(value, name)) for name in type(value).model_fields}
        return Record(fields)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        fields.update({name: getattr(value, name) for name in getattr(value, "TEMPLATE_METHODS", ())})
        return Record(fields)
    if isinstance(value, Mapping):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    if callable(value):
        return value  # the project's own helpers and filters, put in the context on purpose
    raise TypeError(f"no template form for {type(value).__name__}")


_STR_METHODS = frozenset(
    "capitalize center count endswith find index isalpha isdigit islower isspace isupper join ljust lower lstrip "
    "partition replace rfind rjust rpartition rsplit rstrip split splitlines startswith strip title upper zfill".split()
)
_ALLOWED: dict[type, frozenset[str]] = {
    str: _STR_METHODS,
    Markup: _STR_METHODS | {"striptags", "unescape"},
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
    dict: frozenset({"get", "items", "keys", "values"}),
    dt.date: frozenset({"year", "month", "day", "isoformat", "weekday"}),
    Fraction: frozenset({"numerator", "denominator"}),
}
_HELPERS: dict[type, frozenset[str]] = {}
"""Project classes templates create through globals (clause numbering, party mentions): their methods."""


def allow_methods(cls: type, names: str) -> None:
    """Declare the methods of a project helper class that templates may call."""
    _HELPERS[cls] = frozenset(names.split())


_JINJA_TYPES = (Macro, LoopContext, Namespace, Undefined)


def _jinja_module_type() -> type:
    from jinja2.environment import TemplateModule

    return TemplateModule


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, but `a ~ b` goes through the environment so that its size is checked."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("), context.eval_ctx)")


class SafeEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, narrowed to an allow-list and bounded in size."""

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%", "/", "//"})

    @staticmethod
    def checked_join(parts: Sequence[Any], eval_ctx: Any) -> str:
        """`~`: the parts as text (escaped when autoescaping), refused past MAX_STRING."""
        from jinja2.runtime import markup_join, str_join

        texts = [p if isinstance(p, str) else str(p) for p in parts]  # str() of a value is bounded by its own size
        if sum(len(t) for t in texts) > MAX_STRING:
            raise SecurityError(f"a string of more than {MAX_STRING:,} characters is not allowed in a template")
        join = markup_join if eval_ctx.volatile or eval_ctx.autoescape else str_join
        return join(parts)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Jinja's parser; nesting too deep for it (a thousand brackets) is a syntax error at the line it reached."""
        parser = Parser(self, source, name, filename)
        try:
            return parser.parse()
        except (RecursionError, MemoryError) as exc:
            raise TemplateSyntaxError(_too_deep(exc), parser.stream.current.lineno, name, filename) from None

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None, defer_init: bool = False) -> str:
        """Jinja's code generator; an expression too deep for it (3,000 chained filters) is a syntax error at its line."""
        generator = self.code_generator_class(self, name, filename, None, defer_init, self.optimized)
        try:
            generator.visit(source)
        except (RecursionError, MemoryError) as exc:
            raise TemplateSyntaxError(_too_deep(exc), _deepest_line(source), name, filename) from None
        return cast("str", generator.stream.getvalue())  # type: ignore[attr-defined]  # its own StringIO, as `generate` reads it

    def _compile(self, source: str, filename: str) -> CodeType:
        """Python's compiler; what it refuses (25 nested loops, 120 nested ifs, 300 terms) is a syntax error at the template's line."""
        try:
            return super()._compile(source, filename)
        except (SyntaxError, RecursionError, MemoryError) as exc:
            code_line = exc.lineno if isinstance(exc, SyntaxError) else None
            named = None if filename == "<template>" else filename  # Jinja's stand-in for a template from a string (a label, a Word part)
            raise TemplateSyntaxError(_too_deep(exc), _template_line(source, code_line), None, named) from None

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Only the allow-listed attributes and methods, a Record's fields and Jinja's own objects; never a private name."""
        if attr.startswith("_"):
            return False
        if isinstance(obj, Record):
            return attr in obj
        if isinstance(obj, _JINJA_TYPES) or isinstance(obj, _jinja_module_type()):
            return super().is_safe_attribute(obj, attr, value)
        for cls, names in (*_ALLOWED.items(), *_HELPERS.items()):
            if isinstance(obj, cls) and attr in names:
                return super().is_safe_attribute(obj, attr, value)
        return False

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        """An unsafe attribute is an error at once, not an Undefined a filter could pass along silently."""
        raise SecurityError(f"access to attribute {attribute!r} of a {type(obj).__name__} is not allowed in a template")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """An operator, refused before Python computes it when its result would be too large."""
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """A call with bounded arguments (a macro's are the template's own), and its result bounded too."""
        if not isinstance(__obj, Macro):
            _check_arguments(args, kwargs)
            _check_method(__obj, args)
        result = super().call(__context, __obj, *args, **kwargs)
        return _checked_result(result)


def _too_deep(exc: BaseException) -> str:
    what = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
    return f"nested too deeply to compile ({what}): nest fewer blocks, or build a long expression in steps with {{% set %}}"


def _deepest_line(template: nodes.Template) -> int:
    """The line of the template's most deeply nested node (walked without recursion: the tree is too deep for it)."""
    deepest, line = 0, template.lineno
    pending: list[tuple[nodes.Node, int]] = [(template, 0)]
    while pending:
        node, depth = pending.pop()
        if depth > deepest:
            deepest, line = depth, node.lineno
        pending.extend((child, depth + 1) for child in node.iter_child_nodes())
    return line


_DEBUG_INFO = re.compile(r"^debug_info = '([0-9=&]*)'$", re.MULTILINE)


def _template_line(code: str, code_line: int | None) -> int:
    """The template line that generated a line of Jinja's Python code (its `debug_info`), by default the most indented one."""
    lines = code.splitlines()
    if code_line is None:
        code_line = 1 + max(range(len(lines)), key=lambda n: len(lines[n]) - len(lines[n].lstrip()), default=0)
    found = _DEBUG_INFO.search(code)
    pairs = [tuple(map(int, pair.split("="))) for pair in found.group(1).split("&") if pair] if found else []
    before = [template for template, generated in pairs if generated <= code_line]  # in the order of the code
    return before[-1] if before else 1


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple) else None


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be too large before Python builds it."""
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            size = _size(seq)
            if size is not None and isinstance(times, int) and size * max(times, 0) > MAX_STRING:
                raise SecurityError(f"a string or list of more than {MAX_STRING:,} items is not allowed in a template")
    elif operator == "+":
        left_size, right_size = _size(left), _size(right)
        if left_size is not None and right_size is not None and left_size + right_size > MAX_STRING:
            raise SecurityError(f"a string or list of more than {MAX_STRING:,} items is not allowed in a template")
    elif operator == "**":
        if isinstance(right, int | Decimal | Fraction) and not isinstance(left, str):
            # casts: mypy types abs() of a union of numbers as `object`
            base = cast("int | Decimal | Fraction | float", abs(left)) if isinstance(left, int | Decimal | Fraction | float) else 2
            bits = max(int(base).bit_length(), 1) if base >= 2 else 1
            if cast("int | Decimal | Fraction", abs(right)) * bits > MAX_EXPONENT_BITS and base != 1 and base != 0:
                raise SecurityError(f"a power of more than {MAX_EXPONENT_BITS:,} bits is not allowed in a template")
    elif operator == "%" and isinstance(left, str):
        _check_format(left)


def _check_format(text: str) -> None:
    """'%100000000d' would build a huge string: widths and precisions are bounded."""
    for width in re.findall(r"%[-+ #0]*(\d*)(?:\.(\d+))?", text):
        if any(w and int(w) > MAX_ARGUMENT for w in width):
            raise SecurityError(f"a format width above {MAX_ARGUMENT:,} is not allowed in a template")


def _check_arguments(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Whole numbers given to a filter or method, also inside a list of them (`row`'s widths), are at most MAX_ARGUMENT."""
    pending, seen = [*args, *kwargs.values()], set()
    while pending:
        value = pending.pop()
        if isinstance(value, list | tuple):
            if id(value) not in seen:  # a list that holds one list many times is read once
                seen.add(id(value))
                pending.extend(value)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ARGUMENT:
            raise SecurityError(f"an argument above {MAX_ARGUMENT:,} is not allowed in a template ({value})")


def _check_method(method: Any, args: tuple[Any, ...]) -> None:
    """`str.replace` and `str.join` would build a huge string from small parts: refused before they run."""
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    if not isinstance(owner, str):
        return
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        _check_replace(owner, args[0], args[1])
    elif name == "join" and args:
        _check_join(args[0], owner)


def _check_join(parts: Any, separator: Any) -> None:
    """`sep.join(parts)` or `parts | join(sep)`: the separator repeated between a long list's items is refused first."""
    if isinstance(parts, list | tuple) and isinstance(separator, str):
        size = sum(len(p) if isinstance(p, str) else 0 for p in parts) + len(separator) * max(len(parts) - 1, 0)
        if size > MAX_STRING:
            raise SecurityError(f"a string of more than {MAX_STRING:,} characters is not allowed in a template")


def _check_indent(value: Any, width: Any) -> None:
    """`indent(width)` repeats its width (a number of spaces, or a text) on every line."""
    size = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    if isinstance(value, str) and (value.count("\n") + 1) * size + len(value) > MAX_STRING:
        raise SecurityError(f"a string of more than {MAX_STRING:,} characters is not allowed in a template")


def _checked_result(result: Any) -> Any:
    if isinstance(result, str | list | tuple) and len(result) > MAX_STRING:
        raise SecurityError(f"a string or list of more than {MAX_STRING:,} items is not allowed in a template")
    return result


def guard_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose arguments after the value are bounded, and whose result is too."""
    passes = getattr(function, "jinja_pass_arg", None) is not None

    @wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        value_args = args[1:] if passes else args  # (context,) value, then the filter's arguments
        _check_arguments(value_args[1:], kwargs)
        if function.__name__ == "do_replace" and len(value_args) >= 3:
            _check_replace(*(str(a) for a in value_args[:3]))
        if function.__name__ == "do_format" and value_args and isinstance(value_args[0], str):
            _check_format(value_args[0])
        if function.__name__ == "do_join" and len(value_args) >= 2:
            _check_join(value_args[0], value_args[1])
        if function.__name__ == "do_indent" and value_args:
            _check_indent(value_args[0], kwargs.get("width", value_args[1] if len(value_args) >= 2 else 0))
        return _checked_result(function(*args, **kwargs))

    return guarded


def _check_replace(value: str, old: str, new: str) -> None:
    if len(new) > len(old) and (value.count(old) if old else len(value) + 1) * (len(new) - len(old)) + len(value) > MAX_STRING:
        raise SecurityError(f"a string of more than {MAX_STRING:,} characters is not allowed in a template")


def safe_range(*args: int) -> range:
    """`range` for templates: at most MAX_RANGE items."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise SecurityError(f"range() of more than {MAX_RANGE:,} items is not allowed in a template")
    return numbers


# --- time and memory budget -------------------------------------------------------------


class BudgetExceeded(SecurityError):
    """A render that ran past its time or memory budget."""


GRACE = 1.0
"""Seconds the refusal of work past its time budget has to be reported before the budget is enforced again."""


def _budget_seconds() -> float:
    return float(os.environ.get("DEALDOCS_RENDER_SECONDS", "60"))


def _budget_megabytes() -> float:
    return float(os.environ.get("DEALDOCS_RENDER_MEGABYTES", "2048"))


def _data_bytes() -> int | None:
    """The process's private writable memory (VmData: heap and anonymous mappings), what RLIMIT_DATA counts."""
    try:
        with open("/proc/self/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


_active = False
"""Whether a budget is running: a budget inside another (an include's, a label's inside a render's) adds nothing."""


@contextmanager
def _memory_limit(megabytes: float) -> Iterator[None]:
    """The operating system refuses memory past what the process holds now plus `megabytes` (RLIMIT_DATA).

    Relative, and only while the template runs: the tape and its polars frames, loaded before,
    and the work after (writing files) are not limited. An allocation past it fails at once,
    in Python as a MemoryError, however large the single request (a timer could only notice
    it after the fact). Where the limit cannot be read or set, the size checks above remain.
    """
    held = _data_bytes()
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    except (OSError, ValueError):
        held = None
    if held is None:
        yield
        return
    limit = min([held + int(megabytes * 2**20), *(n for n in (soft, hard) if n != resource.RLIM_INFINITY)])  # never above the user's own
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def out_of_memory(what: str) -> BudgetExceeded:
    """The error for work that needed more memory than the budget: a MemoryError inside `budget` is reported as this."""
    return BudgetExceeded(f"{what} needed more than {_budget_megabytes():g} MB (DEALDOCS_RENDER_MEGABYTES)")


@contextmanager
def budget(what: str) -> Iterator[None]:
    """Stop the work inside after DEALDOCS_RENDER_SECONDS, or when it would hold DEALDOCS_RENDER_MEGABYTES more memory.

    Time: a timer signal checks every 50 ms; signals reach only the main thread, so in another
    thread the size limits above are the only bound. Once the time is out, the check raises
    again only after `GRACE` more seconds: the code that reports the refusal (a label's problem
    placed at its key) is not itself interrupted on a busy machine. Memory: the operating
    system's limit (`_memory_limit`); the MemoryError it causes is reported as the budget it
    is. A budget inside another is the outer one.
    """
    global _active
    if _active or threading.current_thread() is not threading.main_thread():
        yield
        return
    seconds, megabytes = _budget_seconds(), _budget_megabytes()
    start = time.monotonic()
    raised = -GRACE

    def check(_signum: int, _frame: Any) -> None:
        nonlocal raised
        now = time.monotonic()
        if now - start > seconds and now - raised > GRACE:
            raised = now
            raise BudgetExceeded(f"{what} took longer than {seconds:g} s (DEALDOCS_RENDER_SECONDS)")

    _active = True
    try:
        with _memory_limit(megabytes):  # the timer runs only inside, so that it never interrupts setting or lifting the limit
            previous = signal.signal(signal.SIGALRM, check)
            before = signal.setitimer(signal.ITIMER_REAL, 0.05, 0.05)
            try:
                yield
            finally:
                signal.setitimer(signal.ITIMER_REAL, *before)
                signal.signal(signal.SIGALRM, previous)
    except MemoryError as exc:  # raised once the limit is lifted again, with the template's frames
        raise out_of_memory(what).with_traceback(exc.__traceback__) from None
    finally:
        _active = False


def is_refusal(exc: BaseException) -> bool:
    """A template's own doing: a sandbox refusal, or an error Python raised on its behalf."""
    return isinstance(exc, TemplateError | ArithmeticError | TypeError | ValueError | LookupError | RecursionError | MemoryError | AttributeError)

