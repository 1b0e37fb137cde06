"""Checks that catch, before anything is sent, what GTM or GA4 would reject or silently get wrong."""

from __future__ import annotations

import re
from collections.abc import Iterable

import cssselect

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


def regex_problem(pattern: str) -> str | None:
    """GTM and GA4 use RE2; Python's re rejects the same broken patterns (unbalanced groups,
    bad escapes), and RE2 also refuses look-around and back-references."""
    try:
        re.compile(pattern)
    except re.error as error:
        return f"regular expression {pattern!r} does not compile: {error}"
    if re.search(r"\(\?<?[=!]|\\[1-9]", pattern):
        return f"regular expression {pattern!r} uses look-around or a back-reference, which GTM and GA4 (RE2) do not support"
    return None


def css_selector_problem(selector: str) -> str | None:
    try:
        cssselect.parse(selector)
    except cssselect.SelectorError as error:
        return f"CSS selector {selector!r} cannot be parsed: {error}"
    return None


def duplicates(names: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    repeated: set[str] = set()
    for name in names:
        (repeated if name in seen else seen).add(name)
    return repeated
