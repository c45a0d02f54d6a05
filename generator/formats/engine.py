"""Loading WeasyPrint, the PDF engine, cheaply: its C libraries found in the linker's cache, and early, beside other work.

WeasyPrint asks cffi for Pango and its kin under several names per library (Windows', macOS'
and Linux's spellings), and for every name cffi calls `ctypes.util.find_library`, which on Linux
runs `ldconfig -p`, then gcc, then ld: about 50 processes, 0.25-0.5 s of each `render`'s start.
Where the linker's cache (`ldconfig -p`) knows every library WeasyPrint needs and no
`LD_LIBRARY_PATH` points elsewhere, the import asks the cache alone; otherwise it searches as usual.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import os
import sys
import threading
from collections.abc import Callable, Iterator
from functools import cache

_NEEDED = ("gobject-2.0", "pango-1.0", "harfbuzz", "harfbuzz-subset", "fontconfig", "pangoft2-1.0")
"""The libraries WeasyPrint loads (harfbuzz-subset chooses how fonts are subset, so it counts too)."""


def import_weasyprint() -> None:
    """Import WeasyPrint (a no-op once it is imported), its libraries looked up in the linker's cache where that finds them all."""
    if "weasyprint" in sys.modules:
        return
    ask: Callable[[str], str | None] | None = getattr(ctypes.util, "_findSoname_ldconfig", None)  # find_library's first step on Linux
    if sys.platform.startswith("linux") and ask is not None and not os.environ.get("LD_LIBRARY_PATH"):
        lookup = cache(ask)
        if all(lookup(name) for name in _NEEDED):
            with _find_library(lookup):
                import weasyprint
            return
    import weasyprint  # noqa: F401


@contextlib.contextmanager
def _find_library(lookup: Callable[[str], str | None]) -> Iterator[None]:
    original = ctypes.util.find_library
    ctypes.util.find_library = lookup  # type: ignore[assignment]  # for the import only, put back below
    try:
        yield
    finally:
        ctypes.util.find_library = original


def import_in_background() -> threading.Thread:
    """Start importing WeasyPrint in a thread while this one works on (polars, analysing a tape, lets go of the GIL).

    Join it before forking: a process forked during an import inherits the import's locks, held.
    """
    thread = threading.Thread(target=_try_import, name="import-weasyprint", daemon=True)
    thread.start()
    return thread


def _try_import() -> None:
    """The import, early; if it fails (no Pango), the renderer's own import fails again where its message is made."""
    with contextlib.suppress(Exception):
        import_weasyprint()
