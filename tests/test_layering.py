"""The packages' layers, read from the source: the pool computes numbers and keys, and no import circle joins two packages.

Every import counts, at the top of a module, inside a function (a lazy import) or for type
checking only: each is a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "generator"


def _unit(module: str) -> str:
    """The package (or top-level module) a dotted module name belongs to: generator.pool.strats -> pool, generator.errors -> errors."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "generator"


def _imports(path: Path) -> Iterator[str]:
    """Every generator module `path` imports, by dotted name (`from generator import edgar` is generator.edgar)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == "generator")
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"  # the layers are read from absolute names
            if node.module is None or node.module.split(".")[0] != "generator":
                continue
            if node.module != "generator":
                yield node.module
                continue
            for alias in node.names:  # a module of the package, or a name of the package itself (__version__)
                yield f"generator.{alias.name}" if (PACKAGE / f"{alias.name}.py").exists() or (PACKAGE / alias.name).is_dir() else "generator"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    """Package -> the other packages its modules import."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        unit = _unit(_module(path))
        graph.setdefault(unit, set()).update(_unit(m) for m in _imports(path) if _unit(m) != unit)
    return graph


def test_the_import_reader_sees_the_known_dependencies() -> None:
    graph = _graph()
    assert {"deal", "fields", "errors"} <= graph["pool"]  # the pool reads deal files' specs, the field registry, raises errors
    assert {"pool", "templating"} <= graph["documents"]  # documents label the pool's tables with Jinja
    assert "edgar" in graph["formats"] and "generator" in graph["output"]  # `from generator import edgar`, `__version__`


def test_the_pool_imports_no_templating_documents_or_output() -> None:
    above = {"templating", "documents", "formats", "output", "cli", "api"}
    found = {
        f"{path.relative_to(PACKAGE.parent)} imports {module}"
        for path in sorted((PACKAGE / "pool").rglob("*.py"))
        for module in _imports(path)
        if _unit(module) in above
    }
    assert not found, sorted(found)


def test_no_import_circle_between_packages() -> None:
    order = list(graphlib.TopologicalSorter(_graph()).static_order())  # CycleError names the circle
    assert order.index("pool") < order.index("documents") < order.index("output")
