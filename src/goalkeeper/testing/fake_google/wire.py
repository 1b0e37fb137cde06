"""Names for the data the fake passes around: JSON objects, parsed query strings, replies."""

from __future__ import annotations

from typing import Any, TypeAlias

# A JSON object as json.loads returns it (request bodies, stored GTM entities, responses).
Json: TypeAlias = dict[str, Any]
# A query string as urllib.parse.parse_qs returns it: every name maps to its list of values.
Query: TypeAlias = dict[str, list[str]]
# An HTTP status and the JSON body to answer with (None: no body, as for 204).
Reply: TypeAlias = tuple[int, Json | None]


def first(query: Query, *names: str) -> str | None:
    """The first value of the first of ``names`` the query gives, or None."""
    for name in names:
        values = query.get(name)
        if values:
            return values[0]
    return None
