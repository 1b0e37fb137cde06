"""The template helpers: regexes that mean what the matcher says, on real URLs."""

from __future__ import annotations

import re

import pytest

from goalkeeper.goals.helpers import css_with_descendants, domains_regex, page_url_regex


@pytest.mark.parametrize(
    "page, url, matches",
    [
        ({"path_equals": "/welcome"}, "https://ex.com/welcome?x=1", True),
        ({"path_equals": "/welcome"}, "https://ex.com/welcome/more", False),
        ({"path_contains": "checkout"}, "https://mycheckout.com/", False),
        ({"path_contains": "/checkout"}, "https://ex.com/shop/checkout", True),
        ({"path_starts_with": "/blog/"}, "https://ex.com/blog/post", True),
        ({"path_starts_with": "/blog/"}, "https://ex.com/en/blog/post", False),
        ([{"path_equals": "/a"}, {"url_contains": "ref="}], "https://ex.com/b?ref=1", True),
    ],
)
def test_a_page_regex_matches_the_same_urls_whole_or_in_part(page, url, matches):
    # GA4 rules may match the whole value: the regex must say the same under both readings.
    pattern = page_url_regex(page)
    assert bool(re.fullmatch(pattern, url)) is matches
    assert bool(re.search(pattern, url)) is matches


def test_domains_regex_covers_subdomains_only():
    pattern = domains_regex(["example.com"])
    assert re.search(pattern, "https://shop.example.com/x")
    assert re.search(pattern, "https://example.com")
    assert not re.search(pattern, "https://notexample.com/")
    assert not re.search(pattern, "https://example.com.evil.io/")


def test_css_with_descendants_keeps_commas_inside_attributes():
    assert (
        css_with_descendants("a.cta, button[data-x='a,b']")
        == "a.cta, a.cta *, button[data-x='a,b'], button[data-x='a,b'] *"
    )
