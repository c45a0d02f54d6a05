"""Reading a deal file: YAML in, a validated `Deal` out, or every problem with its line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .models import Deal
from .problems import DealdocsError, Problem


@dataclass(frozen=True)
class LoadedDeal:
    """A validated deal and where it came from, so relative paths resolve against its folder."""

    deal: Deal
    path: Path
    root: yaml.Node | None = None  # the YAML node tree, for the line of any key

    def resolve(self, relative: str) -> Path:
        return (self.path.parent / relative).resolve()

    def line(self, *loc: str | int) -> int | None:
        """The deal file's line of a key path such as ('term_sheet', 'pool', 'columns', 'fico')."""
        return _line_of(self.root, loc)

    def problem(self, loc: tuple[str | int, ...], value: str | None, message: str) -> Problem:
        """A problem at a key of this deal file, with its line: what a deal team edits to fix it."""
        return Problem(str(self.path), self.line(*loc), ".".join(map(str, loc)), value, message)


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node a pydantic error location points to (or its nearest parent)."""
    line = None if node is None else node.start_mark.line + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == key), None)
            if match is None:
                match = next((k for k, _ in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            match = node.value[key]
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line


def parse_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    """The data and the node tree (for line numbers) of a YAML file; syntax errors become problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DealdocsError([Problem(str(path), None, None, None, f"cannot read file: {exc}")]) from None
    try:
        return yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        reason = getattr(exc, "problem", None) or str(exc)
        raise DealdocsError([Problem(str(path), line, None, None, f"invalid YAML: {reason}")]) from None


def validate_model(model: type[BaseModel], data: Any, path: Path, root: yaml.Node | None) -> Any:
    """Validate data against a model, turning every pydantic error into a problem with a line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(k for k in err["loc"] if not (isinstance(k, str) and k in _UNION_TAGS))
            dotted = ".".join(str(k) for k in loc) or "(top level)"
            value = None if err["type"] == "missing" or isinstance(err.get("input"), dict | list) else str(err.get("input"))
            problems.append(Problem(str(path), _line_of(root, loc), dotted, value, err["msg"]))
        raise DealdocsError(problems) from None


# pydantic names the branch of a tagged union in an error's location; the YAML has no such key.
_UNION_TAGS = {"bands", "categories", "yearly", "states"}


def load_deal(path: str | Path) -> LoadedDeal:
    """Load and validate a deal file; raises DealdocsError listing every problem found."""
    path = Path(path)
    data, root = parse_yaml(path)
    return LoadedDeal(validate_model(Deal, data, path, root), path.resolve(), root)
