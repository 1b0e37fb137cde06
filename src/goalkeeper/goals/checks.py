"""Checks that catch, before anything is sent, what GTM or GA4 would reject or silently get wrong."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable

import re2

# https://support.google.com/analytics/answer/13316687 : names GA4 reserves for its own events.
RESERVED_EVENT_NAMES = frozenset(
    {
        "ad_activeview",
        "ad_click",
        "ad_exposure",
        "ad_impression",
        "ad_query",
        "ad_reward",
        "adunit_exposure",
        "app_background",
        "app_clear_data",
        "app_exception",
        "app_install",
        "app_remove",
        "app_store_refund",
        "app_store_subscription_cancel",
        "app_store_subscription_convert",
        "app_store_subscription_renew",
        "app_update",
        "app_upgrade",
        "dynamic_link_app_open",
        "dynamic_link_app_update",
        "dynamic_link_first_open",
        "error",
        "firebase_campaign",
        "firebase_in_app_message_action",
        "firebase_in_app_message_dismiss",
        "firebase_in_app_message_impression",
        "first_open",
        "first_visit",
        "in_app_purchase",
        "notification_dismiss",
        "notification_foreground",
        "notification_open",
        "notification_receive",
        "notification_send",
        "os_update",
        "screen_view",
        "session_start",
        "session_start_with_rollout",
        "user_engagement",
    }
)
RESERVED_PREFIXES = ("_", "firebase_", "ga_", "google_", "gtag.")
RESERVED_PARAMETER_NAMES = frozenset({"cid", "firebase_conversion", "uid", "tid"})
MAX_NAME = 40
MAX_PARAMETER_VALUE = 100
MAX_KEY_EVENTS = 30
MAX_EVENT_PARAMETERS = 25
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_REFERENCE = re.compile(r"\{\{[^{}]+\}\}")


def ga4_name_problems(name: str, what: str = "GA4 event name") -> list[str]:
    """What is wrong with an event or parameter name, by GA4's rules (empty when nothing).

    A name built from a GTM variable (``video_{{Video Status}}``) is checked with the variable
    standing for one letter: its fixed parts must still follow the rules."""
    problems = []
    name = _REFERENCE.sub("x", name)
    if len(name) > MAX_NAME:
        problems.append(f"{what} {name!r} is {len(name)} characters long; GA4 allows at most {MAX_NAME}")
    if not name[:1].isalpha():
        problems.append(f"{what} {name!r} must start with a letter")
    elif not _NAME.match(name):
        problems.append(f"{what} {name!r} may contain only letters, digits and _")
    prefix = next((p for p in RESERVED_PREFIXES if name.lower().startswith(p)), None)
    if prefix:
        problems.append(f"{what} {name!r} uses the prefix {prefix!r}, which GA4 reserves")
    reserved = RESERVED_EVENT_NAMES if what == "GA4 event name" else RESERVED_PARAMETER_NAMES
    if name in reserved:
        problems.append(f"{what} {name!r} is reserved by GA4; choose another name")
    return problems


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # the error comes back as an exception; RE2 would also print it


def regex_problem(pattern: str) -> str | None:
    """What RE2, the engine GTM's "matches RegEx" conditions use, says of ``pattern`` (None: it
    compiles). RE2 refuses look-around, back-references and possessive quantifiers, and accepts
    ``\\pL`` and ``\\Q…\\E``, which Python's own engine would not. Source: GTM's help on trigger
    conditions ("Tag Manager uses RE2 syntax"), and RE2's syntax page."""
    try:
        re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        if re.search(r"\(\?<?[=!]", pattern):
            reason += " (RE2 has no look-around)"
        elif re.search(r"\\[1-9]", pattern):
            reason += " (RE2 has no back-references)"
        return f"regular expression {pattern!r} is not valid in GTM and GA4 (RE2 syntax): {reason}"
    return None


# Pseudo-classes soupsieve parses that a browser's Element.matches() (what GTM's "matches CSS
# selector" calls) refuses in at least one of Chromium, Firefox and WebKit (MDN's compatibility
# tables): soupsieve's own extensions, a legacy name, and Selectors Level 4 drafts not shipped
# everywhere. A selector one visitor's browser refuses never fires for that visitor.
NOT_IN_EVERY_BROWSER = {
    ":contains": "a soupsieve and jQuery extension, no browser has it; use an element_click goal's text or text_contains",
    ":-soup-contains": "a soupsieve extension, no browser has it; use an element_click goal's text or text_contains",
    ":-soup-contains-own": "a soupsieve extension, no browser has it",
    ":matches": "the old name of :is(), which browsers dropped; write :is()",
    ":local-link": "no browser supports it",
    ":target-within": "no browser supports it",
    ":current": "only Safari supports it",
    ":past": "only Safari supports it",
    ":future": "only Safari supports it",
    ":buffering": "only Safari supports it",
    ":stalled": "only Safari supports it",
    ":seeking": "only Safari supports it",
    ":muted": "only Safari supports it",
    ":volume-locked": "only Safari supports it",
}
_PSEUDO = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?<!:)(:[-a-zA-Z]+)""")

# Selectors made only of type, #id and .class selectors (ASCII names) and combinators: valid in
# every browser by the grammar alone (Selectors Level 4: <compound-selector>, <combinator>; CSS
# Syntax Level 3: <ident-token>), so they skip soupsieve, whose parser compiles its
# case-insensitive Unicode patterns on first use (tens of milliseconds a process; most goal
# files' selectors are of this sort, and `validate` runs as a pre-commit hook).
_CSS_NAME = r"-?[A-Za-z_][A-Za-z0-9_-]*"
_COMPOUND = rf"(?:(?:[A-Za-z][A-Za-z0-9-]*|\*)(?:[#.]{_CSS_NAME})*|(?:[#.]{_CSS_NAME})+)"
_PLAIN_SELECTOR = re.compile(rf"{_COMPOUND}(?:(?: *[>+~] *| +){_COMPOUND})*")


def plainly_valid(selector: str) -> bool:
    """Whether ``selector`` is only type, #id and .class selectors joined by combinators (so valid
    without parsing it further): ``#reviews``, ``button.book-demo``, ``nav > a.cta``."""
    return _PLAIN_SELECTOR.fullmatch(selector) is not None


def css_selector_problem(selector: str) -> str | None:
    """What a browser would say of ``selector`` in ``Element.matches()`` (None: it is fine).

    Parsed by soupsieve, which follows the Selectors Level 4 grammar as browsers do (the selector
    engine of Beautiful Soup), then the pseudo-classes not every browser ships are refused."""
    if plainly_valid(selector):
        return None
    import soupsieve  # see _PLAIN_SELECTOR

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # soupsieve warns of its deprecated :contains
            soupsieve.compile(selector)
    except soupsieve.SelectorSyntaxError as error:
        reason = str(error).splitlines()[0]
        return f"CSS selector {selector!r} is not valid in browsers: {reason}"
    for match in _PSEUDO.finditer(selector):
        pseudo = (match.group(2) or "").lower()
        if pseudo in NOT_IN_EVERY_BROWSER:
            return f"CSS selector {selector!r} uses {pseudo}: {NOT_IN_EVERY_BROWSER[pseudo]}"
    return None


# GTM's Click URL, Page URL and Form URL are resolved, absolute URLs (the link's href property:
# https://host/path, mailto:…, tel:…), never a bare path (gtm.js reads gtm.elementUrl).
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _contains_field(field: str) -> str:
    return re.sub(r"(equals|starts_with|regex)$", "contains", field)


def _whole_url(value: str) -> str:
    return "https://www.example.com" + value if value.startswith("/") else "https://" + value.lstrip("/")


def absolute_url_problem(value: str, field: str = "url_equals") -> str | None:
    """A whole-URL value that no absolute URL can equal: it has no scheme (``/pricing``)."""
    if _SCHEME.match(value):
        return None
    return (
        f"{field} {value!r} can never match: the URL it is compared with is always absolute "
        f"(https://host/path); write the whole URL ({field}: {_whole_url(value)}), "
        f"or {_contains_field(field)}: {value}"
    )


def absolute_url_prefix_problem(value: str, field: str = "url_starts_with") -> str | None:
    """A URL prefix no absolute URL starts with: not a scheme's start (``/docs/``, ``www.…``)."""
    if _SCHEME.match(value) or "https://".startswith(value.lower()) or "http://".startswith(value.lower()):
        return None
    return (
        f"{field} {value!r} can never match: the URL it is compared with is always absolute "
        f"(https://host/path); write {field}: {_whole_url(value)}, or {_contains_field(field)}: {value} "
        f"(anywhere in the URL)"
    )


def absolute_url_regex_problem(value: str, field: str = "url_regex") -> str | None:
    """An RE2 problem, or a URL regex anchored to a path (``^/docs``): the URL starts with its scheme."""
    problem = regex_problem(value)
    if problem:
        return problem
    if re.match(r"^\^(\\?/)", value):
        return (
            f"{field} {value!r} can never match: ^ anchors it at the start of the URL, which is always "
            f"absolute (https://host/path); anchor after the host (^https?://[^/]+/…) or drop the ^"
        )
    return None


def path_problem(value: str, field: str = "path_equals") -> str | None:
    """A path (or path prefix) that GTM's Page Path, which always starts with "/", cannot have."""
    if value.startswith("/"):
        return None
    scheme, _, rest = value.partition("://")
    if rest and scheme.lower() in ("http", "https"):  # a whole URL: say what its path is, and where URLs go
        path = "/" + rest.partition("/")[2]
        url_field = field.replace("path_", "url_", 1)
        return (
            f"{field} {value!r} can never match: it is a whole URL, and a page's path is only what comes "
            f"after the host; write {field}: {path}, or {url_field}: {value}"
        )
    return f"{field} {value!r} can never match: a page's path always starts with /; write {field}: /{value}"


def path_regex_problem(value: str, field: str = "path_regex") -> str | None:
    """An RE2 problem, or a path regex anchored to something other than "/": every path starts with it."""
    problem = regex_problem(value)
    if problem:
        return problem
    if re.match(r"^\^[A-Za-z0-9_~-]", value):
        return f"{field} {value!r} can never match: a page's path always starts with /; write ^/{value[1:]}"
    return None


# The checks a kind's template may ask for on its inputs (docs/kinds.md, "checks"): name →
# function of (value, field) giving a problem or None.
CHECKS: dict[str, Callable[[str, str], str | None]] = {
    "regex": lambda value, field: regex_problem(value),
    "css_selector": lambda value, field: css_selector_problem(value),
    "absolute_url": absolute_url_problem,
    "absolute_url_prefix": absolute_url_prefix_problem,
    "absolute_url_regex": absolute_url_regex_problem,
    "path": path_problem,
    "path_regex": path_regex_problem,
}


def duplicates(names: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for name in names:
        (repeated if name in seen else seen).add(name)
    return repeated
