"""The Google tag: what loads GA4 on the page, and which measurement ID it loads.

GA4 event tags (``gaawe``) send through a Google tag for their measurement ID that has loaded on
the page before them (Google's "GA4 in Tag Manager" help; every full modern container in the real
exports has one). In a container it is a ``googtag`` tag whose ``tagId`` parameter holds the ID,
firing on Initialization - All Pages; containers made before 2023 have a GA4 Configuration tag
(``gaawc``) with the ID in ``measurementId`` and a ``sendPageView`` switch instead. Both send
``page_view`` on every page they load on unless told not to (``send_page_view: false`` in a
googtag's ``configSettingsTable``, ``sendPageView: false`` on a gaawc). A googtag may load another
product too (``AW-…`` Google Ads, ``DC-…`` Floodlight): those are not GA4's.

The ID is often a variable: ``{{GA4 - Measurement ID}}``. A constant variable (type ``c``) is read;
a lookup table, JavaScript or anything else cannot be known before the page runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from goalkeeper.core.events import VARIABLE_REFERENCE, parameter_value
from goalkeeper.core.model import Entity
from goalkeeper.core.state import State

# Tag template → the parameter holding the ID it loads.
GOOGLE_TAG_TYPES = {"googtag": "tagId", "gaawc": "measurementId"}
MEASUREMENT_ID = re.compile(r"^G-[A-Z0-9]+$")
# Google tag IDs of other products than GA4 (Google Ads, Floodlight).
OTHER_PRODUCTS = ("AW-", "DC-")


@dataclass(frozen=True)
class GoogleTag:
    """A Google tag in a container: its name, the ID as written, the ID it resolves to (None when
    it cannot be known without running the page), whether it sends page views, and whether
    goalkeeper manages it."""

    name: str
    written: str
    measurement_id: str | None
    sends_page_view: bool
    managed: bool


def resolve(value: str, state: State, depth: int = 0) -> str | None:
    """The text ``value`` stands for in ``state``'s container: itself when it holds no variable; the
    value of a constant variable when it is one whole ``{{Name}}`` (followed through up to five
    constants); None when it cannot be known (a lookup table, JavaScript, a missing variable)."""
    references = VARIABLE_REFERENCE.findall(value)
    if not references:
        return value.strip()
    if depth > 5 or value.strip() != "{{" + references[0] + "}}":
        return None
    variable = state.get("gtm.variable", references[0])
    if variable is None or variable.body.get("type") != "c":
        return None
    return resolve(parameter_value(variable.body, "value") or "", state, depth + 1)


def _sends_page_view(tag: Entity) -> bool:
    if tag.body.get("type") == "gaawc":
        return (parameter_value(tag.body, "sendPageView") or "true").lower() != "false"
    for param in tag.body.get("parameter", []):
        if param.get("key") == "configSettingsTable":
            for row in param.get("list", []):
                cells = {str(c.get("key")): str(c.get("value", "")) for c in row.get("map", [])}
                if cells.get("parameter") == "send_page_view" and cells.get("parameterValue", "").lower() == "false":
                    return False
    return True


def google_tags(state: State) -> list[GoogleTag]:
    """The GA4 Google tags of ``state``'s container that fire: googtag and gaawc tags, not paused,
    whose ID is a GA4 measurement ID or cannot be known (Google Ads and Floodlight IDs left out)."""
    found = []
    for tag in state.of_kind("gtm.tag"):
        key = GOOGLE_TAG_TYPES.get(str(tag.body.get("type")))
        if key is None or str(tag.body.get("paused", "")).lower() == "true":
            continue
        written = parameter_value(tag.body, key) or ""
        resolved = resolve(written, state)
        if (resolved or written).upper().startswith(OTHER_PRODUCTS):
            continue
        measurement_id = resolved if resolved and MEASUREMENT_ID.match(resolved) else None
        found.append(GoogleTag(tag.name, written, measurement_id, _sends_page_view(tag), tag.managed))
    return found
