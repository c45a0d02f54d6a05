"""The typographic rules every template's prose goes through (templating/filters.py): articles, lists, counts, sentence ends."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from generator.templating.clauses import Mentions
from generator.templating.filters import article, end_sentence, join_words, quoted, spelled


@pytest.mark.parametrize(("word", "expected"), [
    ("adjustable-rate", "an adjustable-rate"), ("interest-only", "an interest-only"), ("Ohio corporation", "an Ohio corporation"),
    ("fixed-rate", "a fixed-rate"), ("one- to four-family", "a one- to four-family"), ("once", "a once"),
    ("unit", "a unit"), ("usual", "a usual"), ("European", "a European"), ("Utah corporation", "a Utah corporation"),
    ("hour", "an hour"), ("honest", "an honest"), ("hybrid", "a hybrid"), ("onerous", "an onerous"), ("undivided", "an undivided"),
    ("80.00%", "an 80.00%"), ("8", "an 8"), ("11.50%", "an 11.50%"), ("18-month", "an 18-month"), ("800", "an 800"),
    ("18,500", "an 18,500"), ("11000", "an 11000"), ("8,000,000", "an 8,000,000"), ("$8,000", "an $8,000"),
    ("5.500%", "a 5.500%"), ("1", "a 1"), ("110", "a 110"), ("1,100", "a 1,100"), ("180", "a 180"), ("0.5%", "a 0.5%"),
])  # fmt: skip
def test_the_article_goes_by_the_sound(word: str, expected: str) -> None:
    assert article(word) == expected


@settings(max_examples=100)
@given(st.integers(0, 10**12))
def test_a_number_takes_an_exactly_when_said_with_eight_eleven_or_eighteen_first(n: int) -> None:
    lead = n
    while lead >= 1000:
        lead //= 1000
    said_first = {8: "eight", 11: "eleven", 18: "eighteen"}.get(lead) or ("eight" if str(lead)[0] == "8" else "other")
    assert article(f"{n:,}").startswith("an " if said_first != "other" else "a ")


def test_lists_take_a_serial_comma_only_where_an_earlier_item_holds_a_comma() -> None:
    assert join_words(["A"]) == "A"
    assert join_words(["A", "B"]) == "A and B"
    assert join_words(["Group 1", "Group 2", "Group 3"]) == "Group 1, Group 2 and Group 3"
    assert join_words(["CMSI", "CMI", "Citibank, N.A."]) == "CMSI, CMI and Citibank, N.A."  # as the filed opinion writes it
    assert join_words(["Alpha, Inc. (approximately 50.00%)", "Beta (approximately 30.00%)", "Gamma"]) == (
        "Alpha, Inc. (approximately 50.00%), Beta (approximately 30.00%), and Gamma"
    )
    assert join_words(['X (in such capacity, the "Purchaser")', "Y Inc.", "Z"]) == 'X (in such capacity, the "Purchaser"), Y Inc. and Z'
    assert join_words(["A", "B", "C"], serial=True) == "A, B, and C"
    assert join_words(["A, Inc.", "B", "C"], "or", serial=False) == "A, Inc., B or C"
    joined = join_words([Markup("A &amp; B"), "C < D", "E"])
    assert isinstance(joined, Markup) and joined == "A &amp; B, C &lt; D and E"


def test_counts_under_ten_are_spelled() -> None:
    assert [spelled(n) for n in (1, 2, 3, 7, 9, 10, 12, 1234)] == ["one", "two", "three", "seven", "nine", "10", "12", "1,234"]


def test_a_name_ending_in_a_period_ends_a_sentence_once() -> None:
    assert end_sentence("CitiMortgage, Inc.") == "CitiMortgage, Inc."
    assert end_sentence("Beta Bank (approximately 30.00%)") == "Beta Bank (approximately 30.00%)."


class _Party:
    def __init__(self, name: str, corporation_of: str) -> None:
        self.name, self.short_name, self.corporation_of = name, None, corporation_of


@pytest.mark.parametrize(("state", "expected"), [("New York", "a New York corporation"), ("Ohio", "an Ohio corporation")])
def test_a_party_is_introduced_with_the_article_of_its_state(state: str, expected: str) -> None:
    assert Mentions({"p": _Party("Example Corp.", state)}).party("p") == f"Example Corp., {expected}"


def test_a_quoted_label_is_escaped_once() -> None:
    assert quoted("Not Available") == '"Not Available"'
    assert quoted(Markup("A &amp; B")) == Markup('"A &amp; B"')


PIECES = [*"ab1 .-'\"\\&`<>;#x0,()$%!/", "<pre>", "</pre>", "<!--", "-->", '<td class="x">', "&quot;", "&#39;"]  # what smartypants reacts to


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=16).map("".join))
def test_smart_quotes_is_smartypants_whether_or_not_it_skips_the_text(text: str) -> None:
    """smart_quotes skips text smartypants would leave as it is: what it returns is always smartypants' own."""
    import smartypants

    from generator.formats.typography import _ATTRS, smart_quotes

    assert smart_quotes(text) == str(smartypants.smartypants(text, _ATTRS))
