"""What every deal-file model shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    """Unknown keys are errors: a misspelt key in a legal document's data must not pass."""

    model_config = ConfigDict(extra="forbid", frozen=True)
