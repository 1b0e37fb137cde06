"""The helpers kind templates call: small pure functions that build GTM conditions, page and link
matchers, data-layer variables and GA4 audience clauses in the short form expand.py understands.

They keep the templates declarative and the tricky parts (regex escaping, anchoring a path inside a
full URL, the nesting GA4 audiences insist on) in one tested place. Every helper takes user values
as data and returns data; nothing here renders text a template would then parse as Jinja.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from goalkeeper.core.builtins import builtin_name

# Short matcher names → GTM condition types.
CONDITION_TYPES = {
    "equals": "equals",
    "contains": "contains",
    "starts_with": "startsWith",
    "ends_with": "endsWith",
    "regex": "matchRegex",
    "css": "cssSelector",
}
# The part of a URL before its path: the first "/" after the host ends [^/?#]+, so a path pattern
# that begins with "/" is anchored right after the host.
_HOST = "^https?://[^/?#]+"
_TAIL = "([?#].*)?$"

SOCIAL_NETWORKS = {
    "facebook": ["facebook.com", "fb.com"],
    "instagram": ["instagram.com"],
    "linkedin": ["linkedin.com"],
    "x": ["x.com", "twitter.com"],
    "youtube": ["youtube.com", "youtu.be"],
    "tiktok": ["tiktok.com"],
    "pinterest": ["pinterest.com"],
    "github": ["github.com"],
    "threads": ["threads.net"],
    "bluesky": ["bsky.app"],
    "mastodon": ["mastodon.social"],
    "xing": ["xing.com"],
}


def builtin(builtin_type: str) -> str:
    """The ``{{Name}}`` reference of a GTM built-in variable, from its API type."""
    return "{{" + builtin_name(builtin_type) + "}}"


def condition(variable: str, op: str, value: Any, ignore_case: bool = False, negate: bool = False) -> dict[str, Any]:
    """A GTM condition in short form: ``variable`` (a ``{{Reference}}``) ``op`` ``value``."""
    out: dict[str, Any] = {"type": CONDITION_TYPES[op], "arg0": variable, "arg1": str(value)}
    if ignore_case:
        out["ignore_case"] = True
    if negate:
        out["negate"] = True
    return out


def text_regex(op: str, text: str) -> str:
    """A regex (RE2) that matches what ``op`` matches, for one text.

    Written to mean the same whether the regex must match the whole text (GA4's event-create
    rules: full match) or only part of it (GTM's "matches RegEx"); a ``regex`` is wrapped so
    that a full match finds it anywhere, as GTM would."""
    if op == "regex":
        return partial_as_full_regex(text)
    escaped = re.escape(text)
    return {
        "equals": f"^{escaped}$",
        "starts_with": f"^{escaped}.*",
        "contains": f".*{escaped}.*",
        "ends_with": f".*{escaped}$",
    }[op]


def partial_as_full_regex(pattern: str) -> str:
    """``pattern`` as GTM reads it (found anywhere in the text), for an engine that matches the
    whole text (GA4). ``^`` and ``$`` keep their meaning: ``.*`` may match nothing."""
    return f".*(?:{pattern}).*"


def _regex_tokens(pattern: str) -> list[str]:
    """``pattern`` cut into RE2 tokens: an escape (``\\.``, a whole ``\\Q…\\E``), a character class
    (``[^/]``), or one other character. Enough to rewrite anchors and dots, not a full parser."""
    tokens, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("\\Q", index):
            end = pattern.find("\\E", index + 2)
            end = len(pattern) if end < 0 else end + 2
        elif char == "\\":
            end = index + 2
        elif char == "[":
            end = index + 1
            end += 1 if pattern[end : end + 1] == "^" else 0
            end += 1 if pattern[end : end + 1] == "]" else 0  # a leading ] is literal
            while end < len(pattern) and pattern[end] != "]":
                if pattern[end] == "[" and pattern[end + 1 : end + 2] == ":":  # [:alpha:]
                    end = pattern.find(":]", end + 2) + 1
                end += 2 if pattern[end] == "\\" else 1
            end += 1
        else:
            end = index + 1
        tokens.append(pattern[index:end])
        index = end
    return tokens


def _alternatives(tokens: list[str]) -> list[list[str]]:
    """The top-level alternatives of a tokenized regex (``a|b`` → ``[a], [b]``)."""
    out: list[list[str]] = [[]]
    depth = 0
    for token in tokens:
        depth += token == "("
        depth -= token == ")"
        if token == "|" and depth == 0:
            out.append([])
        else:
            out[-1].append(token)
    return out


class UntranslatableRegex(ValueError):
    """A path regex whose anchors cannot be carried over to a whole-URL regex."""


def path_regex_as_url_regex(pattern: str) -> str:
    """A whole-URL regex (full match, as GA4 reads it) for a GTM path regex (found anywhere in
    Page Path, which has no host, query or fragment).

    ``^`` (start of the path) comes right after the host; ``$`` (end of the path) may be followed
    by a query or a fragment; ``.`` and negated classes do not run into the query. An alternative
    that starts with ``/`` or with another plain character is exact; one that starts with a group,
    a class or a dot may also match inside the host name (RE2 has no look-ahead to pin the host's
    end), so such patterns are better started with ``/``. Raises UntranslatableRegex for ``^`` or
    ``$`` elsewhere than at the ends of a top-level alternative."""
    branches = []
    for alternative in _alternatives(_regex_tokens(pattern)):
        start = bool(alternative) and alternative[0] == "^"
        end = bool(alternative) and alternative[-1] == "$"
        body = alternative[int(start) : len(alternative) - int(end)]
        if any(token in ("^", "$") for token in body):
            raise UntranslatableRegex(
                f"regular expression {pattern!r} uses ^ or $ inside the pattern; GA4 rules read the whole URL, "
                "so anchor only at the start and end of each alternative"
            )
        rewritten = "".join(_path_token(token) for token in body)
        first = body[0] if body else ""
        if start:
            head = ""
        elif _plain(first) and first not in ("/", "\\/"):
            head = "/[^?#]*"  # cannot match the path's first "/": somewhere after it
        else:
            head = "[^?#]*"
        tail = _TAIL if end else ".*"
        branches.append(f"{head}(?:{rewritten}){tail}")
    inner = branches[0] if len(branches) == 1 else "|".join(f"(?:{b})" for b in branches)
    return f"{_HOST}(?:{inner})"


def _plain(token: str) -> bool:
    """A token that matches one fixed character (``a``, ``/``, ``\\.``)."""
    if len(token) == 1:
        return token not in ".[]()^$|?*+{}\\"
    return len(token) == 2 and token[0] == "\\" and not token[1].isalnum()


def _path_token(token: str) -> str:
    # In Page Path a dot or a negated class never meets "?" or "#": keep it so in the whole URL.
    if token == ".":
        return "[^?#]"
    if token.startswith("[^"):
        return token[:-1] + "?#]"
    return token


def path_as_url_regex(op: str, path: str) -> str:
    """A regex on the full URL that matches when the URL's path matches ``op`` ``path``, under
    both readings of a regex (whole text, as GA4 rules; anywhere, as GTM).

    Needed where only the URL is available (GA4 event-create rules see page_location, not a path).
    """
    if op == "regex":
        return path_regex_as_url_regex(path)
    slash = "" if path.startswith("/") else "/"
    escaped = re.escape(path)
    return {
        "equals": f"{_HOST}{slash}{escaped}{_TAIL}",
        "starts_with": f"{_HOST}{slash}{escaped}.*",
        "contains": f"{_HOST}{slash}[^?#]*{escaped}.*" if slash else f"{_HOST}[^?#]*{escaped}.*",
        "ends_with": f"{_HOST}{slash}[^?#]*{escaped}{_TAIL}" if slash else f"{_HOST}[^?#]*{escaped}{_TAIL}",
    }[op]


def _matchers(page: Any) -> list[tuple[str, str, str]]:
    """(field, op, text) for each matcher of a page spec: one mapping, or a list of them."""
    out = []
    for item in page if isinstance(page, list) else [page]:
        for key, text in sorted(item.items()):
            field, op = key.split("_", 1)
            out.append((field, op, str(text)))
    return out


def page_match(page: Any) -> dict[str, Any]:
    """The GTM condition (and the built-in it reads) for a page spec.

    One matcher becomes one condition on Page Path or Page URL. Several (a list: any of these
    pages) become one regex, since GTM's conditions are ANDed: on Page Path when all match the
    path, else on Page URL with path matchers anchored after the host.
    """
    matchers = _matchers(page)
    if len(matchers) == 1:
        field, op, text = matchers[0]
        builtin_type = "pagePath" if field == "path" else "pageUrl"
        return {"builtin": builtin_type, "condition": condition(builtin(builtin_type), op, text)}
    if all(field == "path" for field, _, _ in matchers):
        regex = "|".join(f"({text_regex(op, text)})" for _, op, text in matchers)
        return {"builtin": "pagePath", "condition": condition(builtin("pagePath"), "regex", regex)}
    return {"builtin": "pageUrl", "condition": condition(builtin("pageUrl"), "regex", page_url_regex(page))}


def page_url_regex(page: Any) -> str:
    """One regex on the full page URL for a page spec (for GA4 rules on page_location)."""
    parts = [
        path_as_url_regex(op, text) if field == "path" else text_regex(op, text) for field, op, text in _matchers(page)
    ]
    return parts[0] if len(parts) == 1 else "|".join(f"({p})" for p in parts)


def domains_regex(domains: Iterable[str]) -> str:
    """A regex matching absolute http(s) URLs on any of ``domains`` or their subdomains."""
    names = "|".join(re.escape(d.strip().lower().lstrip(".")) for d in domains)
    return f"^https?://([^/?#]*\\.)?({names})(:[0-9]+)?([/?#]|$)"


def social_domains(networks: Iterable[str]) -> list[str]:
    return [domain for network in networks for domain in SOCIAL_NETWORKS[network]]


def css_with_descendants(selector: str) -> str:
    """``a, b`` → ``a, a *, b, b *``: a click lands on the innermost element (an icon or a span in
    the button), so a careful click trigger also matches the target's descendants."""
    parts, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(selector):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(selector[start:index].strip())
            start = index + 1
    parts.append(selector[start:].strip())
    return ", ".join(f"{p}, {p} *" for p in parts if p)


def datalayer_variable(key: str) -> dict[str, Any]:
    """A GTM data-layer variable (type v, version 2) reading ``key``; named by its key so that
    goals reading the same key share one variable."""
    return {
        "name": f"dlv - {key}",
        "type": "v",
        "parameter": {"dataLayerVersion": 2, "setDefaultValue": False, "name": key},
    }


def datalayer_ref(key: str) -> str:
    return "{{dlv - " + key + "}}"


# ---------------------------------------------------------------------------------------------
# GA4 audiences (Admin API v1alpha). A filter expression must be an andGroup of orGroups of single
# filters at the top; an event's parameter filter must be one andGroup of single filters.

AUDIENCE_SCOPES = {
    "event": "AUDIENCE_FILTER_SCOPE_WITHIN_SAME_EVENT",
    "session": "AUDIENCE_FILTER_SCOPE_WITHIN_SAME_SESSION",
    "all_sessions": "AUDIENCE_FILTER_SCOPE_ACROSS_ALL_SESSIONS",
}


def _int64(value: int) -> dict[str, str]:
    # int64 travels as a JSON string in the Admin API, and comes back that way.
    return {"int64Value": str(int(value))}


def _top(single: Mapping[str, Any]) -> dict[str, Any]:
    return {"andGroup": {"filterExpressions": [{"orGroup": {"filterExpressions": [dict(single)]}}]}}


def audience_event_count(event: str, at_least: int, scope: str = "all_sessions") -> dict[str, Any]:
    """An INCLUDE clause: the visitor sent ``event`` at least ``at_least`` times (in one session,
    or across all sessions). GA4 reads an ``eventCount`` filter in the event's parameter filter as
    the count condition."""
    event_filter: dict[str, Any] = {"eventName": event}
    if at_least > 1:
        count = {
            "fieldName": "eventCount",
            "numericFilter": {"operation": "GREATER_THAN", "value": _int64(at_least - 1)},
        }
        event_filter["eventParameterFilterExpression"] = {
            "andGroup": {"filterExpressions": [{"dimensionOrMetricFilter": count}]}
        }
    return {
        "clauseType": "INCLUDE",
        "simpleFilter": {"scope": AUDIENCE_SCOPES[scope], "filterExpression": _top({"eventFilter": event_filter})},
    }


def audience_metric(field: str, greater_than: int, scope: str = "session") -> dict[str, Any]:
    """An INCLUDE clause: metric ``field`` is greater than ``greater_than``."""
    single = {
        "dimensionOrMetricFilter": {
            "fieldName": field,
            "numericFilter": {"operation": "GREATER_THAN", "value": _int64(greater_than)},
        }
    }
    return {
        "clauseType": "INCLUDE",
        "simpleFilter": {"scope": AUDIENCE_SCOPES[scope], "filterExpression": _top(single)},
    }


TEMPLATE_HELPERS = {
    "builtin": builtin,
    "condition": condition,
    "text_regex": text_regex,
    "page_match": page_match,
    "page_url_regex": page_url_regex,
    "domains_regex": domains_regex,
    "social_domains": social_domains,
    "css_with_descendants": css_with_descendants,
    "datalayer_variable": datalayer_variable,
    "datalayer_ref": datalayer_ref,
    "audience_event_count": audience_event_count,
    "audience_metric": audience_metric,
}
