"""Cross-field checks that report each problem at the field it is about.

A model validator that raises ValueError puts all its problems, joined, on the model's
own key and line. Raising one pydantic error per field location instead lets
`load_deal` give every problem its own field path and YAML line, all at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError


class FieldProblem(NamedTuple):
    """A problem at `location` (relative to the model checked) with the value found there.

    `value` None means the field is missing; a mapping or list is not printed, as for pydantic's own errors.
    """

    location: tuple[str | int, ...]
    value: Any
    reason: str


def raise_problems(model: str, problems: Sequence[FieldProblem]) -> None:
    """Raise the problems, if any, as one ValidationError that pydantic nests under the model's key."""
    if problems:
        raise ValidationError.from_exception_data(model, [_error(p) for p in problems])


def _error(problem: FieldProblem) -> InitErrorDetails:
    kind = "missing" if problem.value is None else "deal_check"  # a missing field shows no value
    error = PydanticCustomError(kind, "{reason}", {"reason": problem.reason})
    return {"type": error, "loc": problem.location, "input": problem.value}
