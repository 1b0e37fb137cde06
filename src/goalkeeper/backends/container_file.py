"""A GTM container export file (exportFormatVersion 2) as a target.

``read`` turns the file's tags, triggers, variables, folders and enabled built-in variables into
entities. ``apply`` writes an updated export that GTM's Import Container accepts: UPPER_SNAKE enums,
fresh unique ids, triggers referenced by ids in the file. Entities goalkeeper does not own are
copied through exactly as they were read.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from typing import Any

from goalkeeper.backends.base import Progress
from goalkeeper.backends.gtm_common import (
    GTM_FIELDS,
    api_object,
    convert_enums,
    entity_from_api,
    lower_camel,
    trigger_names,
    upper_snake,
)
from goalkeeper.backends.json_file import JsonFileTarget
from goalkeeper.core.diff import DELETE, Change
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.model import BUILTIN_TRIGGERS, GTM_KINDS, Entity
from goalkeeper.core.state import State


def export_entities(document: dict[str, Any]) -> list[Entity]:
    """Every entity in an export document, in API spelling, each with its export object as handle."""
    version = document["containerVersion"]
    triggers = [convert_enums("gtm.trigger", t, lower_camel) for t in version.get("trigger", [])]
    by_id = trigger_names(triggers)
    entities = []
    for kind in GTM_KINDS:
        list_key, id_key = GTM_FIELDS[kind]
        for obj in version.get(list_key, []):
            api = convert_enums(kind, obj, lower_camel)
            handle = {"id": str(obj[id_key]) if id_key else None, "object": obj}
            entities.append(entity_from_api(kind, api, by_id, handle))
    return entities


class ContainerFileBackend(JsonFileTarget):
    target = "gtm"
    what = "container export"
    missing_hint = (
        "Export the container in GTM (Admin > Export Container) and point "
        "target.gtm.container_file at it, relative to the goal file"
    )

    def describe(self) -> str:
        return f"GTM container export {self.path}"

    def check(self, document: Any) -> None:
        if not isinstance(document, dict) or "containerVersion" not in document:
            raise GoalkeeperError(
                Problem(
                    "not a GTM container export (no containerVersion); export one with Admin > Export Container",
                    str(self.path),
                    1,
                )
            )
        if not isinstance(document["containerVersion"], dict):
            raise GoalkeeperError(
                Problem(f"not a well-formed {self.what}: containerVersion must be an object", str(self.path))
            )
        self.check_lists(document["containerVersion"], (key for key, _ in GTM_FIELDS.values()), "containerVersion.")

    def read(self) -> State:
        try:
            return State.of(export_entities(self.document()))
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            raise self.malformed(error) from None

    def problems_with(self, desired: State) -> list[Problem]:
        """What this container cannot take: goal kinds make web triggers and tags, which a server
        container (client-side tagging's counterpart) does not run."""
        contexts = self.document()["containerVersion"].get("container", {}).get("usageContext", [])
        if "SERVER" in contexts and any(e.target == "gtm" for e in desired):
            return [
                Problem(
                    "this is a server container; goalkeeper's goals need a web container "
                    "(export the web container the site loads)",
                    str(self.path),
                )
            ]
        return []

    def apply(self, changes: Sequence[Change], progress: Progress | None = None) -> None:
        self.save(updated_export(self.document(), changes))
        for change in changes:
            if progress:
                progress(change)


def _next_id(version: dict[str, Any]) -> str:
    """An id no tag, trigger, variable or folder in the file has: GTM numbers them from one counter."""
    numeric = [
        int(o[id_key])
        for list_key, id_key in GTM_FIELDS.values()
        if id_key
        for o in version.get(list_key, [])
        if str(o.get(id_key, "")).isdigit()
    ]
    return str(max(numeric, default=0) + 1)


def _export_object(
    entity: Entity, version: dict[str, Any], object_id: str | None, trigger_ids: dict[str, str]
) -> dict[str, Any]:
    _list_key, id_key = GTM_FIELDS[entity.kind]
    head = {"accountId": version.get("accountId", "0"), "containerId": version.get("containerId", "0")}
    if entity.kind == "gtm.builtin_variable":
        return {**head, "type": upper_snake(entity.body["type"]), "name": entity.name}
    api = api_object(entity, trigger_ids)
    exported = convert_enums(entity.kind, api, upper_snake)
    return {**head, id_key: object_id, **exported, "fingerprint": str(int(time.time() * 1000))}


def updated_export(document: dict[str, Any], changes: Sequence[Change]) -> dict[str, Any]:
    """A copy of ``document`` with ``changes`` carried out (changes are in plan order)."""
    document = copy.deepcopy(document)
    version = document["containerVersion"]
    ids = {n: i for i, n in trigger_names(version.get("trigger", [])).items()}
    ids.update(BUILTIN_TRIGGERS)
    for change in changes:
        if change.entity.target != "gtm":
            continue
        list_key, id_key = GTM_FIELDS[change.kind]
        objects = version.setdefault(list_key, [])
        position = next((i for i, o in enumerate(objects) if o.get("name") == change.name), None)
        if change.action == DELETE:
            if position is not None:
                del objects[position]
            continue
        object_id = None
        if id_key:
            object_id = str(objects[position][id_key]) if position is not None else _next_id(version)
        exported = _export_object(change.after, version, object_id, ids)
        if position is None:
            objects.append(exported)
        else:
            objects[position] = exported
        if change.kind == "gtm.trigger":
            ids[change.name] = object_id
    return document
