"""What every deal-file model shares."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetPydanticSchema, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError, core_schema

from generator.edgar import BIDI, BIDI_MESSAGE, SUBMISSION_MARKUP, SUBMISSION_MESSAGE

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value: Any) -> Any:
    """A date is a YAML date or a 'YYYY-MM-DD' string; '01/09/2003', '9 Jan 2003' or a number is not."""
    if isinstance(value, dt.datetime):
        return value  # pydantic's own message: a date with a time of day
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise PydanticCustomError("date_invalid", "not a calendar date ({reason}): write it as YYYY-MM-DD", {"reason": str(exc)}) from None
    raise PydanticCustomError("date_format", "not a date: write it as YYYY-MM-DD", {})


Date = Annotated[dt.date, BeforeValidator(_date)]
"""A calendar date written as YYYY-MM-DD (pydantic alone would take 0 as 1970-01-01)."""


class Placeholder(str):
    """A fact a draft may leave open: the deal file left the key out, and the documents print '[Trustee name]'.

    A string, so every template prints it as it prints the fact, bracketed so that no reader
    takes it for one; `generator.deal.placeholders` lists each left open as a warning.
    """

    label: str

    def __new__(cls, label: str) -> Placeholder:  # noqa: D102 (the class says it)
        made = super().__new__(cls, f"[{label}]")
        made.label = label
        return made

    def __getnewargs__(self) -> tuple[str]:  # copied and pickled from its label, not its text
        return (self.label,)

    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> core_schema.CoreSchema:
        """Only a placeholder is one (never text a deal file wrote), serialized as its text."""
        return core_schema.is_instance_schema(cls, serialization=core_schema.to_string_ser_schema())


def _kept(value: Any, handler: core_schema.ValidatorFunctionWrapHandler) -> Any:
    return value if isinstance(value, Placeholder) else handler(value)


def _printed(value: Any, handler: core_schema.SerializerFunctionWrapHandler) -> Any:
    return str(value) if isinstance(value, Placeholder) else handler(value)


def or_placeholder(given: Any) -> GetPydanticSchema:
    """Validate as `given` alone, so a wrong value's message is the field's own, not a union's; a placeholder passes as it is."""

    def schema(_source: Any, handler: Any) -> core_schema.CoreSchema:
        inner = handler(given)
        return core_schema.no_info_wrap_validator_function(_kept, inner, serialization=core_schema.wrap_serializer_function_ser_schema(_printed))

    return GetPydanticSchema(schema)


OpenText = Annotated[NonEmpty | Placeholder, or_placeholder(NonEmpty)]
"""One line of text a draft may leave out (a party's name, a city): printed as its placeholder until given."""
OpenDate = Annotated[Date | Placeholder, or_placeholder(Date)]
"""A date a draft may leave out (the closing date): printed as its placeholder until given.

Text of a given form is `Annotated[Form | Placeholder, or_placeholder(Form)]` (a ZIP code, a telephone number).
"""


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # the placeholder is no value to copy into a deal file


def open_field(label: str, description: str | None = None) -> Any:
    """A field a draft may leave out: its default is the placeholder `[label]`, and the schema says so instead of offering it as a value."""
    words = f"Left out, the documents print [{label}] and validate warns."
    return Field(Placeholder(label), description=f"{description} {words}" if description else words, json_schema_extra=_no_default)


# C0 and C1 control characters (a newline is text's own line break), DEL, the two
# non-characters U+FFFE and U+FFFF and lone surrogates: none prints, and XML (DOCX) refuses them.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def control_character(text: str) -> str | None:
    """The first character of `text` that a document cannot print, as 'U+000B', or None."""
    found = _CONTROL.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def _strings(value: Any) -> Any:
    """The strings of a field's value: itself, or the keys and items of its lists and mappings (models check their own)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


class Strict(BaseModel):
    """Unknown keys are errors: a misspelt key in a legal document's data must not pass."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    multi_line: ClassVar[frozenset[str]] = frozenset()
    """Fields whose text may run over several lines; any other text is one line."""

    @field_validator("*", mode="after")
    @classmethod
    def _printable(cls, value: Any, info: ValidationInfo) -> Any:
        """No control character (a vertical tab, a NUL...) in any text of a deal file: it cannot be printed.

        Nor a character that reverses the text's direction, nor EDGAR's submission markup
        (`</TEXT>`, `<TYPE>`...): the one hides what a reader sees, the other ends a filing's document.
        """
        lines = info.field_name in cls.multi_line
        for text in _strings(value):
            if code := control_character(text):
                raise PydanticCustomError(
                    "control_character",
                    "a control character ({code}) in text: remove it" + (" (line breaks are allowed)" if lines else ""),
                    {"code": code},
                )
            if found := BIDI.search(text):
                raise PydanticCustomError("bidi_control", BIDI_MESSAGE + " ({code})", {"code": f"U+{ord(found.group()):04X}"})
            if found := SUBMISSION_MARKUP.search(text):
                raise PydanticCustomError("submission_markup", SUBMISSION_MESSAGE + " ({tag}): remove it", {"tag": found.group()})
            if not lines and "\n" in text.strip():
                raise PydanticCustomError("line_break", "a line break in a one-line text: write it on one line", {})
        return value
