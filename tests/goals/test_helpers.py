"""The template helpers: regexes that mean what the matcher says, on real URLs."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import re2

from goalkeeper.goals.helpers import (
    css_with_descendants,
    domains_regex,
    page_url_regex,
    path_as_url_regex,
    text_regex,
)


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


URLS = [
    "https://ex.com/",
    "https://ex.com/blog/",
    "https://ex.com/blog/post",
    "https://ex.com/blog/post/?utm_source=news",
    "https://ex.com/blog/post#comments",
    "https://ex.com/en/blog/post",
    "https://blog.ex.com/news",
    "https://mycheckout.com/",
    "https://ex.com/checkout/step-1?x=/blog/",
    "https://ex.com/a/b/c",
]


def gtm_path_match(pattern: str, url: str) -> bool:
    """GTM: "Page Path matches RegEx" finds the pattern anywhere in the path."""
    return re2.search(pattern, urlsplit(url).path) is not None


@pytest.mark.parametrize(
    "pattern",
    [
        "^/blog/",
        "^/blog/[^/]+/?$",
        "/blog/",
        "checkout",
        "^/(en|de)/blog/",
        "post$",
        "^/$",
        "^/a/|^/checkout/",
        "/b/.$",
    ],
)
@pytest.mark.parametrize("url", URLS)
def test_a_path_regex_means_the_same_in_a_ga4_rule(pattern, url):
    """GA4 event-create rules match the whole page_location ([GA4] About regular expressions:
    the data must exactly match the pattern); GTM finds a Page Path regex anywhere in the path.
    The rule's regex says what the goal's path regex says in GTM."""
    rule = path_as_url_regex("regex", pattern)
    assert (re2.fullmatch(rule, url) is not None) is gtm_path_match(pattern, url)


def test_a_blog_prefix_via_a_ga4_rule_matches_blog_posts():
    rule = page_url_regex({"path_regex": "^/blog/"})
    assert re2.fullmatch(rule, "https://www.example.com/blog/post")
    assert not re2.fullmatch(rule, "https://www.example.com/news/blog/post")


@pytest.mark.parametrize("pattern", [r"example\.com/pricing", "^https://ex\\.com/$", "utm_source=news$|/blog/"])
@pytest.mark.parametrize("url", URLS)
def test_a_url_regex_means_the_same_under_both_readings(pattern, url):
    regex = text_regex("regex", pattern)
    assert (re2.fullmatch(regex, url) is not None) is (re2.search(pattern, url) is not None)
