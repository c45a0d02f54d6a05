"""Problems found in users' inputs, reported all at once instead of as tracebacks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input: where it is, what the value was and why it is wrong."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    message: str
    severity: Severity = Severity.ERROR

    def location(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return where if self.column is None else f"{where} [{self.column}]"

    def __str__(self) -> str:
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{self.location()}: {self.severity.value}: {self.message}{value}"


class DealdocsError(Exception):
    """Raised with every problem found, so that a user can fix them all in one pass."""

    def __init__(self, problems: Iterable[Problem], total: int | None = None) -> None:
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        super().__init__("\n".join(str(p) for p in self.problems))


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.ERROR]
