"""Running a template: plain data in, text out, and whatever the template did wrong as a problem at its line."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from jinja2 import Environment, TemplateError, TemplateSyntaxError
from jinja2.environment import TemplateModule
from jinja2.exceptions import SecurityError

from generator.errors import Problem, TemplateProblemError
from generator.templating.sandbox import MAX_OUTPUT, budget, is_refusal, plain

T = TypeVar("T")


def _template_problem(exc: BaseException, template: str) -> Problem:
    """Where in which template an error happened, from the error or the template frames of its traceback."""
    if isinstance(exc, TemplateSyntaxError):
        return Problem(exc.filename or template, exc.lineno, None, None, f"template syntax error: {exc.message}")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
    where = frames[-1] if frames else None
    if isinstance(exc, SecurityError):
        reason = f"refused by the template sandbox: {exc}"
    elif isinstance(exc, RecursionError):
        reason = "template error: recursion too deep (a macro or include that calls itself)"
    elif isinstance(exc, TemplateError):
        reason = f"template error: {exc}"
    else:
        reason = f"template error: {type(exc).__name__}: {exc}"
    return Problem(where.filename if where else template, where.lineno if where else None, None, None, reason)


def _module(env: Environment, template: str, context: dict[str, Any]) -> TemplateModule:
    """The template evaluated as a module (its body and its macros), its output bounded in size."""
    compiled = env.get_template(template)
    ctx = compiled.new_context(context)
    chunks, size = [], 0
    for chunk in compiled.root_render_func(ctx):
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise SecurityError(f"a template may write at most {MAX_OUTPUT:,} characters")
        chunks.append(chunk)
    return TemplateModule(compiled, ctx, chunks)


def guarded(env: Environment, template: str, work: Callable[[], T]) -> T:
    """Run template work within the sandbox's budget; whatever the template did wrong is a problem at its line."""
    try:
        try:
            with budget(f"rendering {template}"):
                return work()
        except Exception:
            env.handle_exception()  # re-raises with the template's own file and line in the traceback, the budget lifted
    except Exception as exc:
        if not is_refusal(exc):
            raise
        raise TemplateProblemError([_template_problem(exc, template)]) from None
    raise AssertionError("unreachable")  # handle_exception always raises


def run_template(env: Environment, template: str, context: dict[str, Any], layout: Callable[[Any], str]) -> str:
    """Render a template module with plain data and lay it out."""
    data = plain(context)
    return guarded(env, template, lambda: layout(_module(env, template, data)))
