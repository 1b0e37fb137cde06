"""Values are checked with the engine that will evaluate them: RE2 for regexes (GTM), a
browser-grade parser for CSS selectors, and URLs compared with Click URL or Page URL, which are
always absolute."""

from __future__ import annotations

import pytest

from goalkeeper.goals import checks


@pytest.mark.parametrize(
    "pattern",
    [r"^/blog/\pL+$", r"\Qa.b\E", r"(?i)^/checkout", r"(?P<step>\d+)", r"^/(en|de)/pricing/?$"],
    ids=["unicode-class", "quoted-literal", "inline-flag", "named-group", "alternatives"],
)
def test_regexes_re2_accepts_are_accepted(pattern):
    # \pL and \Q…\E are RE2 (and GTM) syntax that Python's own engine refuses.
    assert checks.regex_problem(pattern) is None


@pytest.mark.parametrize(
    "pattern, says",
    [
        ("^/checkout(?!/done)", "look-around"),
        ("(?<=/)blog", "look-around"),
        (r"(a)\1", "back-references"),
        ("a++", "bad repetition operator"),
        ("(a", "missing )"),
    ],
    ids=["look-ahead", "look-behind", "back-reference", "possessive", "unbalanced"],
)
def test_regexes_re2_refuses_are_refused_saying_why(pattern, says):
    problem = checks.regex_problem(pattern)
    assert problem and "RE2" in problem and says in problem


def test_a_refused_regex_prints_nothing_on_its_own(capfd):
    # RE2 logs parse errors to stderr unless told not to; the problem is reported once, by goalkeeper.
    checks.regex_problem("(?=x)")
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    "selector",
    [
        "button.book-demo",
        ":is(.cta, .hero) > a",
        "a:has(> img)",
        "li:nth-child(2 of .item)",
        "a:hover",
        "input:not([type='hidden'], [disabled])",
        "[data-track|=cta]",
    ],
)
def test_selectors_browsers_accept_are_accepted(selector):
    assert checks.css_selector_problem(selector) is None


@pytest.mark.parametrize(
    "selector, says",
    [
        ("button[data-x", "not valid in browsers"),
        ("a:foo", "not valid in browsers"),
        ("a:contains('Buy')", "no browser has it"),
        ("a:-soup-contains('Buy')", "no browser has it"),
        ("div:matches(.a, .b)", "write :is()"),
        ("a:local-link", "no browser supports it"),
        ("video:muted", "only Safari"),
    ],
    ids=["unclosed", "unknown-pseudo", "contains", "soup-contains", "legacy-matches", "local-link", "safari-only"],
)
def test_selectors_a_browser_refuses_are_refused(selector, says):
    problem = checks.css_selector_problem(selector)
    assert problem and says in problem


def test_a_pseudo_class_name_inside_quotes_is_only_text():
    assert checks.css_selector_problem("a[title=':contains']") is None


# Selectors of type, #id and .class selectors and combinators are known valid without soupsieve
# (whose first parse costs a pre-commit hook tens of milliseconds): soupsieve must agree on each.
PLAIN = [
    "#reviews",
    ".cta-quote",
    "button.book-demo",
    "nav > a.cta",
    "ul li a",
    "h2 + p",
    "h2~p",
    "*",
    "*.promo",
    "div#main.wide.dark",
    "#-x",
    "._private",
    ".a-",
    "x-widget .slot_1",
    "form#newsletter > button",
]


@pytest.mark.parametrize("selector", PLAIN)
def test_a_plain_selector_is_accepted_without_parsing_and_soupsieve_agrees(selector):
    import soupsieve

    assert checks.plainly_valid(selector)
    assert checks.css_selector_problem(selector) is None
    soupsieve.compile(selector)  # raises if soupsieve disagreed


@pytest.mark.parametrize(
    "selector",
    ["#1a", ".-1", "#-", "a >", "> a", " a", "a ", "a,b", "a:hover", "[data-x]", "a\tb", "a\n> b", "é.x", "#", ""],
)
def test_anything_else_is_left_to_soupsieve(selector):
    assert not checks.plainly_valid(selector)


@pytest.mark.parametrize(
    "check, field, value, hint",
    [
        (checks.absolute_url_problem, "url_equals", "/pricing", "url_equals: https://www.example.com/pricing"),
        (checks.absolute_url_problem, "url_equals", "www.example.com/pricing", "https://www.example.com/pricing"),
        (checks.absolute_url_prefix_problem, "url_starts_with", "/docs/", "url_contains: /docs/"),
        (checks.absolute_url_regex_problem, "url_regex", "^/docs", "anchor after the host"),
        (checks.path_problem, "path_equals", "pricing", "path_equals: /pricing"),
        (
            checks.path_problem,
            "path_equals",
            "https://www.example.com/x",
            "write path_equals: /x, or url_equals: https://www.example.com/x",
        ),
        (checks.path_regex_problem, "path_regex", "^blog/", "write ^/blog/"),
    ],
)
def test_values_that_can_never_match_are_refused_with_what_to_write(check, field, value, hint):
    problem = check(value, field)
    assert problem and "can never match" in problem and hint in problem


@pytest.mark.parametrize(
    "check, value",
    [
        (checks.absolute_url_problem, "https://www.example.com/pricing"),
        (checks.absolute_url_problem, "mailto:sales@example.com"),
        (checks.absolute_url_prefix_problem, "https://www.example.com/docs/"),
        (checks.absolute_url_prefix_problem, "https"),
        (checks.absolute_url_prefix_problem, "tel:"),
        (checks.absolute_url_regex_problem, r"^https://[^/]+/docs/"),
        (checks.absolute_url_regex_problem, "/docs/"),
        (checks.path_problem, "/pricing"),
        (checks.path_regex_problem, "^/blog/"),
        (checks.path_regex_problem, "blog"),
    ],
)
def test_values_that_can_match_pass(check, value):
    assert check(value, "field") is None
