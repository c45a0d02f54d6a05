"""The project's own snapshots through its pytest plugin, as a deal team would write them."""

from __future__ import annotations

import pytest

from .helpers import EXAMPLES


@pytest.mark.parametrize("deal", ["cmsi-2006-1/deal.yaml", "cmsi-2003-shelf/shelf.yaml", "prime-jumbo-2024-1/deal.yaml"])
def test_example_documents_in_every_format(dealdocs_snapshot, deal: str) -> None:
    dealdocs_snapshot(EXAMPLES / deal)


@pytest.mark.parametrize("deal", ["cmsi-2003-1/deal.yaml", "cmsi-2006-1/deal.yaml", "cmsi-2003-shelf/shelf.yaml", "prime-jumbo-2024-1/deal.yaml"])
def test_example_documents_as_edgar_html(dealdocs_snapshot, deal: str) -> None:
    dealdocs_snapshot(EXAMPLES / deal, formats=("htm",))


def test_plugin_is_registered(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.has_plugin("dealdocs")  # through the pytest11 entry point, not conftest
