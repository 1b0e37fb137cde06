"""A GA4 snapshot file as a target: a property's configuration in the Admin API's own JSON shapes.

The file::

    {
      "property": "properties/123456789",
      "dataStreams": [ {DataStream}, … ],
      "keyEvents": [ {KeyEvent}, … ],
      "customDimensions": [ … ], "customMetrics": [ … ],
      "eventCreateRules": [ {EventCreateRule, "name": "properties/…/dataStreams/S/eventCreateRules/R"} ],
      "audiences": [ … ],
      "serviceLevel": "GOOGLE_ANALYTICS_STANDARD",           # optional: or GOOGLE_ANALYTICS_360
      "enhancedMeasurementSettings": {                       # optional
        "properties/123456789/dataStreams/987654321": {EnhancedMeasurementSettings}
      }
    }

``enhancedMeasurementSettings`` holds each web stream's enhanced measurement switches, keyed by
the stream's name (or id), in the Admin API's JSON shape (``streamEnabled``, ``scrollsEnabled``,
``outboundClicksEnabled``, ``siteSearchEnabled``, ``videoEngagementEnabled``,
``fileDownloadsEnabled``, ``pageChangesEnabled``, ``formInteractionsEnabled``; a switch left out
is off). The plan warns about goals whose events enhanced measurement already sends on the stream
of the goal file's measurement id. Without an entry for that stream the settings are unknown and
nothing is said; goalkeeper never writes them.

Archived custom dimensions and metrics are left out, as the Admin API's list calls leave them out.

The plan checks GA4's per-property limits against the snapshot: ``serviceLevel`` (the Admin API's
Property.serviceLevel) says which limits hold, standard when left out; a key event counts towards
the limit of custom key events unless it says ``"custom": false`` (a default event such as
``purchase``).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from goalkeeper.backends.base import Progress
from goalkeeper.backends.ga4_common import api_object, enhanced_settings, entities_from_api, web_stream
from goalkeeper.backends.json_file import JsonFileTarget
from goalkeeper.core.changes import Change, Create, Delete, Replace, Update
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.kinds import KINDS, kinds_of
from goalkeeper.core.preflight import TargetFacts
from goalkeeper.core.state import State


class GA4SnapshotBackend(JsonFileTarget):
    target = "ga4"
    what = "GA4 snapshot"
    missing_hint = (
        "Point target.ga4.snapshot_file at it, relative to the goal file (goals/example-ga4.json shows the format)"
    )

    def __init__(self, path: Path, measurement_id: str | None = None):
        super().__init__(path)
        self.measurement_id = measurement_id

    def describe(self) -> str:
        return f"GA4 snapshot {self.path}"

    def check(self, document: Any) -> None:
        if not isinstance(document, dict) or not str(document.get("property", "")).startswith("properties/"):
            raise GoalkeeperError(Problem('a GA4 snapshot needs "property": "properties/<id>"', str(self.path), 1))
        self.check_lists(document, (kind.list_key for kind in kinds_of("ga4")))
        settings = document.get("enhancedMeasurementSettings", {})
        if not isinstance(settings, dict) or not all(isinstance(v, dict) for v in settings.values()):
            raise GoalkeeperError(
                Problem(
                    '"enhancedMeasurementSettings" must be an object mapping stream names to '
                    "EnhancedMeasurementSettings objects",
                    str(self.path),
                )
            )

    def read(self) -> State:
        document = self.document()
        entities = []
        try:
            for kind in kinds_of("ga4"):
                entities += entities_from_api(kind.key, document.get(kind.list_key, []))
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            raise self.malformed(error) from None
        return State.of(entities)

    def facts(self) -> TargetFacts:
        """Whether the property has a web data stream (for event-create rules), its default key
        events (``"custom": false``: GA4 does not count them towards its limit) and service level."""
        document = self.document()
        try:
            stream = web_stream(document.get("dataStreams", []), self.measurement_id, exact=False)
            defaults = {("ga4.key_event", str(k["eventName"])) for k in document.get("keyEvents", [])
                        if k.get("custom") is False}  # fmt: skip
        except (KeyError, TypeError, AttributeError) as error:
            raise self.malformed(error) from None
        level = document.get("serviceLevel")
        return TargetFacts(
            described=f"GA4 property {document['property'].split('/')[-1]} ({self.path})",
            file=str(self.path),
            web_stream=stream is not None,
            uncounted=frozenset(defaults),
            service_level=str(level) if level else None,
        )

    def enhanced_measurement(self) -> dict[str, Any] | None:
        """The enhanced measurement switches of the measurement id's web stream (with their
        ``name``), or None when the snapshot does not say."""
        document = self.document()
        try:
            stream = web_stream(document.get("dataStreams", []), self.measurement_id, exact=True)
        except (KeyError, TypeError, AttributeError) as error:
            raise self.malformed(error) from None
        if stream is None:
            return None
        settings = document.get("enhancedMeasurementSettings", {})
        found = settings.get(stream, settings.get(stream.rsplit("/", 1)[-1]))
        if found is None:
            return None
        return enhanced_settings({"name": f"{stream}/enhancedMeasurementSettings", **found})

    def next_steps(self, changes: Sequence[Change], published: bool) -> list[str]:
        """A snapshot is a record of a property, not the property: GA4 has no import."""
        return [
            f"{self.path} now describes the GA4 property as the goals want it; GA4 itself is unchanged (a "
            "snapshot is a record: GA4 has no import). Make the same changes in GA4 Admin > Data display (Key "
            'events, Custom definitions, Audiences), or target the live property (ga4: {property: "123456789"}) '
            "and let goalkeeper apply them."
        ]

    def apply(self, changes: Sequence[Change], progress: Progress | None = None) -> None:
        document = copy.deepcopy(self.document())
        for change in changes:
            if change.target == "ga4":
                self._apply_one(document, change)
        self.save(document)
        for change in changes:
            if progress and change.target == "ga4":
                progress(change)

    def _apply_one(self, document: dict[str, Any], change: Change) -> None:
        objects = document.setdefault(KINDS[change.kind].list_key, [])
        # Named before the old object goes, so a replacement never takes the archived one's name.
        name = self._new_name(document, change.kind, objects) if isinstance(change, (Create, Replace)) else None
        if isinstance(change, (Delete, Replace)):
            # Dimensions, metrics and audiences are archived; archived ones leave the lists.
            objects[:] = [o for o in objects if o.get("name") != change.before.handle]
        elif isinstance(change, Update):
            index = next(i for i, o in enumerate(objects) if o.get("name") == change.before.handle)
            objects[index] = {"name": change.before.handle, **api_object(change.after)}
        if isinstance(change, (Create, Replace)):
            objects.append(
                {
                    "name": name,
                    **api_object(change.after),
                    **({"createTime": _now()} if change.kind == "ga4.key_event" else {}),
                }
            )

    def _new_name(self, document: dict[str, Any], kind: str, objects: list[dict[str, Any]]) -> str:
        parent = document["property"]
        if kind == "ga4.event_create_rule":
            stream = web_stream(document.get("dataStreams", []), self.measurement_id, exact=False)
            if stream is None:
                raise GoalkeeperError(
                    f"the GA4 property {document['property']} has no web data stream for event-create rules"
                )
            parent = stream
        numbers = [int(o["name"].rsplit("/", 1)[-1]) for o in objects if o.get("name", "").rsplit("/", 1)[-1].isdigit()]
        return f"{parent}/{KINDS[kind].list_key}/{max(numbers, default=1000) + 1}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
