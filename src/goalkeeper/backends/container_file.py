"""A GTM container export file (exportFormatVersion 2) as a target.

``read`` turns the file's tags, triggers, variables, folders and enabled built-in variables into
entities. ``apply`` writes an updated export that GTM's Import Container accepts: UPPER_SNAKE enums,
fresh unique ids, triggers referenced by ids in the file. Entities goalkeeper does not own are
copied through exactly as they were read.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from goalkeeper.backends.base import Progress
from goalkeeper.backends.gtm_common import (
    api_object,
    convert_enums,
    entity_from_api,
    kept_on_update,
    lower_camel,
    trigger_names,
    upper_snake,
)
from goalkeeper.backends.json_file import JsonFileTarget
from goalkeeper.core.builtins import BUILTIN_TRIGGERS
from goalkeeper.core.changes import Change, Create, Delete
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.kinds import KINDS, kinds_of
from goalkeeper.core.model import Entity
from goalkeeper.core.preflight import TargetFacts
from goalkeeper.core.state import State


def export_entities(document: dict[str, Any]) -> list[Entity]:
    """Every entity in an export document, in API spelling, each with its export object as handle."""
    version = document["containerVersion"]
    triggers = [convert_enums("gtm.trigger", t, lower_camel) for t in version.get("trigger", [])]
    by_id = trigger_names(triggers)
    entities = []
    for kind in kinds_of("gtm"):
        for obj in version.get(kind.list_key, []):
            api = convert_enums(kind.key, obj, lower_camel)
            handle = {"id": str(obj[kind.id_key]) if kind.id_key else None, "object": obj}
            entities.append(entity_from_api(kind.key, api, by_id, handle))
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
        self.check_lists(document["containerVersion"], (kind.list_key for kind in kinds_of("gtm")), "containerVersion.")

    def read(self) -> State:
        try:
            return State.of(export_entities(self.document()))
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            raise self.malformed(error) from None

    def facts(self) -> TargetFacts:
        """The container's usage context, as the export spells it (``["WEB"]``); None when the
        export does not say."""
        contexts = self.document()["containerVersion"].get("container", {}).get("usageContext")
        usage = tuple(str(c) for c in contexts) if isinstance(contexts, list) else None
        return TargetFacts(described=self.describe(), file=str(self.path), usage_context=usage)

    def next_steps(self, changes: Sequence[Change], published: bool) -> list[str]:
        """How the updated export reaches GTM: Admin > Import Container (GTM Help, "Export and
        import containers"). A plan that only adds is merged, renaming on conflict, so nothing in
        the container is overwritten; updates and deletions need the workspace replaced by the file
        (Merge never deletes, and renames an updated entity into a second copy)."""
        steps = [
            f"{self.path} is updated; GTM is not, until you import it: in GTM, Admin > Import Container, choose "
            f'{self.path.name}, and import into a new workspace (say "goalkeeper") so other work stays apart.'
        ]
        if all(isinstance(c, Create) for c in changes):
            steps.append(
                'Choose Merge, then "Rename conflicting tags, triggers, and variables": nothing in the container '
                "is overwritten, and the import preview lists what is added."
            )
        else:
            steps.append(
                "This apply also changes or removes entities: choose Overwrite, so the workspace becomes the file, "
                "if nobody changed the container in GTM since you exported it (otherwise export it again and run "
                "goalkeeper again). Merge would keep what goalkeeper removed and add changed entities as renamed "
                "copies."
            )
        steps.append("Confirm, check the workspace with Preview, then Submit > Publish.")
        return steps

    def apply(self, changes: Sequence[Change], progress: Progress | None = None) -> None:
        self.save(updated_export(self.document(), changes))
        for change in changes:
            if progress:
                progress(change)


def _next_id(version: dict[str, Any]) -> int:
    """An id no tag, trigger, variable or folder in the file has: GTM numbers them from one counter."""
    numeric = [
        int(o[kind.id_key])
        for kind in kinds_of("gtm")
        if kind.id_key
        for o in version.get(kind.list_key, [])
        if str(o.get(kind.id_key, "")).isdigit()
    ]
    return max(numeric, default=0) + 1


def _export_object(
    entity: Entity, version: dict[str, Any], object_id: str | None, trigger_ids: dict[str, str]
) -> dict[str, Any]:
    id_key = entity.entity_kind.id_key
    head = {"accountId": version.get("accountId", "0"), "containerId": version.get("containerId", "0")}
    if id_key is None:  # a built-in variable: known by its type, it has no id
        return {**head, "type": upper_snake(entity.body["type"]), "name": entity.name}
    api = api_object(entity, trigger_ids)
    exported = convert_enums(entity.kind, api, upper_snake)
    return {**head, id_key: object_id, **exported, "fingerprint": str(int(time.time() * 1000))}


def updated_export(document: dict[str, Any], changes: Sequence[Change]) -> dict[str, Any]:
    """A copy of ``document`` with ``changes`` carried out (changes are in plan order). Linear in
    the file and the changes: each kind's objects are indexed by name once, new ids come from one
    counter, and the objects left alone are shared with ``document``, not copied (nothing here
    changes an object in place: a changed one is replaced)."""
    version = dict(document["containerVersion"])
    document = {**document, "containerVersion": version}
    ids = {n: i for i, n in trigger_names(version.get("trigger", [])).items()}
    ids.update(BUILTIN_TRIGGERS)
    next_id = _next_id(version)
    positions: dict[str, dict[str, int]] = {}  # list key -> name -> position, built on first use
    removed: dict[str, set[int]] = {}
    for change in changes:
        if change.target != "gtm":
            continue
        list_key, id_key = KINDS[change.kind].list_key, KINDS[change.kind].id_key
        if list_key not in positions:
            version[list_key] = list(version.get(list_key, []))
            positions[list_key] = {o.get("name"): i for i, o in enumerate(version[list_key])}
        objects, position = version[list_key], positions[list_key].get(change.name)
        if isinstance(change, Delete):
            if position is not None:
                removed.setdefault(list_key, set()).add(position)
                del positions[list_key][change.name]
            continue
        object_id = None
        if id_key:
            if position is not None:
                object_id = str(objects[position][id_key])
            else:
                object_id, next_id = str(next_id), next_id + 1
        if position is None:
            positions[list_key][change.name] = len(objects)
            objects.append(_export_object(change.entity, version, object_id, ids))
        else:
            entity = kept_on_update(change.ends[0], change.entity) if change.ends[0] else change.entity
            exported = _export_object(entity, version, object_id, ids)
            folder = objects[position].get("parentFolderId")
            objects[position] = {**exported, "parentFolderId": folder} if folder else exported
        if change.kind == "gtm.trigger" and object_id:
            ids[change.name] = object_id
    for list_key, gone in removed.items():
        version[list_key] = [o for i, o in enumerate(version[list_key]) if i not in gone]
    return document
