"""Problems found in users' inputs, reported all at once instead of as tracebacks, and the exit codes.

This module owns:

- `Problem` (with its `Severity`): one thing wrong with an input, where it is and why.
- `DealdocsError`: the one root of every error that is the user's to fix. It carries the
  problems it reports and their total (more may have been found than are listed). Code that
  reports errors catches the root; code that raises picks the category of what is wrong:

  - `DealFileError`: the deal file (reading it, its fields and sections, its tables);
  - `TapeError`: the loan tape (not found or not a file, also when the deal file names it; unreadable;
    a header or row it cannot use; no loans);
  - `TemplateProblemError`: templates (a templates folder that is not there, a template that fails or is
    refused by the sandbox, text a template wrote that EDGAR would refuse). Not `TemplateError`, the
    name Jinja's own exceptions use (`jinja2.TemplateError`);
  - `OutputError`: writing outputs to the file system (a file that cannot be written, a folder in use,
    two deals bound for one folder, a new deal folder that already exists);
  - `ManifestError`: an output folder's manifest that cannot be read or is corrupt, or a signing key that cannot be used.

- `ExitCode`: every exit status of the `dealdocs` command. The command-line boundary
  (`generator.cli`) is the one place where an exception becomes a message and one of these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum, IntEnum

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    r"""`text` as one line of a message: a control character (a newline too) escaped, a byte that is not UTF-8 as `\xff`.

    A file name may hold either, and printed as it is, it could forge another line of a report.
    """
    return _UNPRINTABLE.sub(_escaped, text)


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code & 0xFF:02x}" if code < 0x100 or 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


class Severity(str, Enum):  # noqa: UP042  # not StrEnum: str(Severity.ERROR) is public and must stay "Severity.ERROR"
    """How bad a problem is: an error stops the rendering, a warning is reported and the rendering goes on."""

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
        """Where the problem is: 'file:line [column]', with what is known of it."""
        file = printable(self.file)
        where = file if self.line is None else f"{file}:{self.line}"
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

    def __reduce__(self) -> tuple[type[DealdocsError], tuple[list[Problem], int]]:
        """Pickled as made (a worker process sends it back): its problems and total, not its message as one problem."""
        return type(self), (self.problems, self.total)


class DealFileError(DealdocsError):
    """The deal file: missing, not YAML or not UTF-8, a field or table its model refuses."""


class TapeError(DealdocsError):
    """The loan tape: not found or not a file, an unsupported or damaged file, headers or rows it cannot use."""


class TemplateProblemError(DealdocsError):
    """Templates: a folder, a template or the text it renders that cannot be used.

    A templates folder not found, a template that fails or that the sandbox refuses, rendered
    text that breaks EDGAR's rules. (`TemplateError` is Jinja's own exception.)
    """


class OutputError(DealdocsError):
    """Outputs and the file system: what cannot be written where it was asked to be.

    A file or folder that cannot be written, a folder another run holds, two deals bound for
    the same folder, a new deal's folder that already exists.
    """


class ManifestError(DealdocsError):
    """An output folder's manifest.json that cannot be read or is not a dealdocs manifest, or a key to sign or verify one that cannot be used."""


class ExitCode(IntEnum):
    """The exit status of the `dealdocs` command."""

    OK = 0
    FAILED_ITEMS = 1
    """`verify` found an input or output that changed, or `batch` had a deal that failed (or did not run)."""
    INTERNAL_ERROR = 1
    """An unexpected exception: a bug in dealdocs. The same status as FAILED_ITEMS (an alias), as it always was."""
    USER_ERROR = 2
    """The user's to fix: a DealdocsError, a usage error, a system library PDF needs that is missing."""
    INTERRUPTED = 130
    """Ctrl-C (128 + SIGINT)."""

