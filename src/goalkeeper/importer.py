"""Moving configuration between goal files and what GTM and GA4 hold: a GA4 snapshot written from
a live property, a standalone container export written from goal files, and a goal file written
from a container and a property (``goalkeeper import``: docs/adopting.md).

Each only reads targets and writes one new file: nothing in GTM or GA4 changes.
"""

from __future__ import annotations

import fnmatch
import io
import json
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from goalkeeper.backends.base import Backend
from goalkeeper.backends.container_file import ContainerFileBackend
from goalkeeper.backends.json_file import write_atomically
from goalkeeper.core import ownership
from goalkeeper.core.diff import comparable, differs_beyond_marker
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.events import vouched_key_events
from goalkeeper.core.model import Entity, canonical_json, sort_key
from goalkeeper.core.ownership import OWNER_PATTERN
from goalkeeper.core.preflight import TargetFacts
from goalkeeper.core.references import dangling
from goalkeeper.core.selection import Selection
from goalkeeper.core.state import State
from goalkeeper.goals.adopted import KIND_WORDS, readable
from goalkeeper.goals.expand import expand, taken_over_keys
from goalkeeper.goals.kinds import load_kinds
from goalkeeper.goals.load import default_owner, parse_goal_text
from goalkeeper.goals.model import GoalFile
from goalkeeper.project import GA4_BACKENDS, GTM_BACKENDS, open_project


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` whole or not at all; GoalkeeperError naming the file when it
    cannot be written."""
    try:
        write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except OSError as error:
        raise GoalkeeperError(Problem(f"could not be written ({error.strerror or error})", str(path))) from None


def write_snapshot(goals_path: Path, out: Path, templates: Path | None = None) -> dict[str, int]:
    """Read the live GA4 property of ``goals_path``'s target (target.ga4.property) and write it to
    ``out`` as a GA4 snapshot file (goalkeeper.backends.ga4_snapshot's format). Returns how many
    objects of each list were written. GoalkeeperError when the goal file's GA4 target is not a
    live property, or the property cannot be read."""
    project = open_project(goals_path, templates)
    live = next((b for b in project.backends if b.target == "ga4"), None)
    if live is None or not hasattr(live, "snapshot"):
        raise GoalkeeperError(
            Problem(
                'snapshot reads a live GA4 property: set target.ga4 to {property: "123456789"} '
                "(with credentials as for plan), then run it again",
                str(goals_path),
            )
        )
    document: dict[str, Any] = live.snapshot()
    write_json(out, document)
    return {key: len(value) for key, value in document.items() if isinstance(value, list | dict)}


def blank_export(usage_context: str = "WEB") -> dict[str, Any]:
    """An export (exportFormatVersion 2) of a container with nothing in it, as GTM's Export
    Container writes one (account and container ids 0: GTM's import takes the receiving
    container's)."""
    return {
        "exportFormatVersion": 2,
        "exportTime": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "containerVersion": {
            "accountId": "0",
            "containerId": "0",
            "containerVersionId": "0",
            "container": {"accountId": "0", "containerId": "0", "usageContext": [usage_context]},
        },
    }


def write_export(goals_path: Path, out: Path, templates: Path | None = None) -> int:
    """Write ``out``: a container export holding exactly the GTM tags, triggers, variables and
    built-in variables the goals of ``goals_path`` make, each with goalkeeper's marker, for GTM's
    Admin > Import Container (Merge). Reads no target. Returns how many entities it holds."""
    project = open_project(goals_path, templates)
    backend = ContainerFileBackend(out)
    backend._document = blank_export()  # a new file: never read from disk
    project.backends = [backend]
    # force: the safety share guards entities a container already has; a new file has none.
    plan = project.plan(Selection.of((), (), ("gtm",)), force=True)
    backend.apply(plan.changes)
    return len(plan.changes)


# ---------------------------------------------------------------------------------------------
# import: what exists, into a goal file


@dataclass(frozen=True)
class Choice:
    """What to adopt: entities of these kinds (API names: ``tag``, ``key_event``), in these GTM
    folders (by folder name), with a name matching one of these shell-style patterns
    (``GA4 - *``); an empty tuple allows everything. Entities another goal file manages (their
    marker names another owner, or none) are never imported, nor key events another goal file's
    tags or rules vouch for (``theirs``); those of ``owner`` (the goal file written, imported
    again), and its key events (``ours``), always are, whatever the filters say, or its next
    apply would delete them."""

    types: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    owner: str | None = None
    theirs: frozenset[str] = frozenset()
    ours: frozenset[str] = frozenset()  # key events of ``owner``: kept whatever the filters say

    def problems(self) -> list[str]:
        unknown = [t for t in self.types if t not in KIND_WORDS]
        return [f"unknown --type {t!r}; known types: {', '.join(sorted(KIND_WORDS))}" for t in unknown]

    def takes(self, entity: Entity, folder: str | None) -> bool:
        if entity.managed or ownership.has_marker(entity.kind, entity.body):
            return self.owner is not None and ownership.owner_of(entity) == self.owner
        if entity.kind == "ga4.key_event" and entity.name in self.theirs | self.ours:
            return entity.name in self.ours
        if self.types and entity.entity_kind.api_name not in self.types:
            return False
        if self.folders and folder not in self.folders:
            return False
        return not self.names or any(fnmatch.fnmatchcase(entity.name, p) for p in self.names)


@dataclass(frozen=True)
class Source:
    """Where to import from: target specs as a goal file's ``target:`` writes them (``gtm``:
    ``{container_file: …}`` or ``{account, container, workspace}``; ``ga4``: ``{snapshot_file: …}``
    or ``{property: …}``), with paths relative to ``base``."""

    gtm: Mapping[str, Any] | None = None
    ga4: Mapping[str, Any] | None = None
    measurement_id: str | None = None
    credentials: str | None = None


@dataclass
class Imported:
    """What ``import_entities`` found: the entities chosen, those left unmanaged, and notes."""

    chosen: list[Entity] = field(default_factory=list)
    left: dict[str, int] = field(default_factory=dict)  # kind label → how many stay unmanaged
    notes: list[str] = field(default_factory=list)
    measurement_id: str | None = None
    live: State = field(default_factory=State)  # everything read, chosen or not
    goals: list[dict[str, Any]] = field(default_factory=list)  # recognised (goalkeeper.goals.recognise)
    owner: str | None = None  # the `owner:` setting of the goal file imported again, if it has one


def _folder_of(entity: Entity, folders: Mapping[str, str]) -> str | None:
    handle = entity.handle if isinstance(entity.handle, Mapping) else {}
    folder_id = handle.get("parentFolderId") or (handle.get("object") or {}).get("parentFolderId")
    return folders.get(str(folder_id)) if folder_id else None


def _folder_names(live: State) -> dict[str, str]:
    return {
        str(e.handle["id"]): e.name
        for e in live.of_kind("gtm.folder")
        if isinstance(e.handle, Mapping) and e.handle.get("id")
    }


def _backends(source: Source, out: Path) -> list[Backend]:
    target: dict[str, Any] = {"measurement_id": source.measurement_id}
    if source.credentials:
        target["credentials"] = source.credentials
    goal_file = GoalFile(path=str(out), target=target, goals=(), defaults={}, safety={})
    backends = []
    for spec, registry in ((source.gtm, GTM_BACKENDS), (source.ga4, GA4_BACKENDS)):
        if spec:
            factory = next((f for key, f in registry.items() if key in spec), None)
            if factory is None:
                raise GoalkeeperError(f"nothing to import from: {dict(spec)}")
            backends.append(factory(spec, goal_file, out.parent))
    if not backends:
        raise GoalkeeperError(
            "nothing to import from: give a container export (--container-file) or a live workspace "
            "(--account and --container), and/or a GA4 snapshot (--snapshot-file) or property (--property)"
        )
    return backends


def refuse_server(facts: TargetFacts, where: str) -> None:
    """GoalkeeperError for a container that is not a web container: goalkeeper manages web tags,
    triggers and variables; a server container's clients and transformations have no place in
    a goal file."""
    contexts = [str(c).lower() for c in facts.usage_context or ()]
    if any(c != "web" for c in contexts):
        raise GoalkeeperError(
            Problem(
                f"{where} is a {'/'.join(facts.usage_context or ())} container; goalkeeper imports and manages web "
                "containers only (a server container's clients, transformations and tags stay as they are). "
                "Import the web container that sends to it instead",
                facts.file,
            )
        )


def import_entities(source: Source, out: Path, choice: Choice) -> Imported:
    """Read the sources and pick what ``choice`` adopts. GoalkeeperError for a server container,
    an unknown --type, or a source that cannot be read."""
    problems = choice.problems()
    if problems:
        raise GoalkeeperError([Problem(p) for p in problems])
    imported = Imported(measurement_id=source.measurement_id)
    for backend in _backends(source, out):
        imported.live = imported.live.merged(backend.read())
        if backend.target == "gtm":
            refuse_server(backend.facts(), backend.describe())
            imported.notes += _carried(backend)
        else:
            imported.measurement_id = imported.measurement_id or _measurement_id(backend)
    marked = [e for e in imported.live if ownership.marked(e)]
    theirs = vouched_key_events(e for e in marked if ownership.owner_of(e) != choice.owner)
    ours = vouched_key_events(e for e in marked if ownership.owner_of(e) == choice.owner)
    choice = replace(choice, theirs=frozenset(theirs), ours=choice.ours | frozenset(ours))
    folders = _folder_names(imported.live)
    broken = [e for e in imported.live if dangling(e)]
    mine = [e.name for e in broken if ownership.marked(e) and ownership.owner_of(e) == choice.owner]
    if mine:
        raise GoalkeeperError(
            Problem(
                f"the goal file manages {', '.join(map(repr, mine))}, which fire on or are blocked by triggers the "
                "container does not have; fix them in GTM (or remove them from the goal file), then import again; "
                "nothing was written",
                str(out),
            )
        )
    if broken:
        names = ", ".join(e.name for e in broken[:3])
        imported.notes.append(
            f"{len(broken)} tags ({names}{'…' if len(broken) > 3 else ''}) fire on or are blocked by "
            "triggers the container does not have; they stay unmanaged (fix them in GTM, then import again)"
        )
    for entity in imported.live:
        if choice.takes(entity, _folder_of(entity, folders)) and entity not in broken:
            imported.chosen.append(entity)
        elif not entity.managed:
            label = entity.entity_kind.label
            imported.left[label] = imported.left.get(label, 0) + 1
    return imported


# Lists of an export goalkeeper has no entity kind for: carried through untouched by every apply.
_UNMODELLED = {
    "customTemplate": "custom templates",
    "zone": "zones",
    "client": "clients",
    "transformation": "transformations",
    "gtagConfig": "Google tag configurations",
}


def _carried(backend: Backend) -> list[str]:
    document = getattr(backend, "document", None)
    if document is None:
        return []
    version = document().get("containerVersion", {})
    return [
        f"{len(version[key])} {label} stay in the container as they are (goalkeeper has no goal-file form for them)"
        for key, label in _UNMODELLED.items()
        if version.get(key)
    ]


def _measurement_id(backend: Backend) -> str | None:
    """The measurement id of the property's only web stream, when it has exactly one."""
    document = getattr(backend, "document", None)
    streams = document().get("dataStreams", []) if document else getattr(backend, "_data_streams", list)()
    ids = [s.get("webStreamData", {}).get("measurementId") for s in streams if s.get("webStreamData")]
    return ids[0] if len(ids) == 1 else None


def recognise_goals(source: Source, imported: Imported, out: Path, templates: Path | None) -> None:
    """Replace the groups of ``imported.chosen`` that a built-in goal kind makes exactly (see
    goalkeeper.goals.recognise) with that goal."""
    from goalkeeper.goals.recognise import recognise

    found = recognise(imported.chosen, imported.live, _target(source, imported), load_kinds(templates), str(out))
    imported.goals = found.goals
    imported.chosen = [e for e in imported.chosen if e.key not in found.taken]


def _target(source: Source, imported: Imported) -> dict[str, Any]:
    target: dict[str, Any] = {}
    if source.gtm:
        target["gtm"] = dict(source.gtm)
    if source.ga4:
        target["ga4"] = dict(source.ga4)
    if imported.measurement_id:
        target["measurement_id"] = imported.measurement_id
    if source.credentials:
        target["credentials"] = source.credentials
    return target


def goal_document(source: Source, imported: Imported) -> dict[str, Any]:
    """The goal file for ``imported``: the same targets, the goals recognised, every other chosen
    entity adopted as it is."""
    entities = sorted(imported.chosen, key=sort_key)
    return {
        **({"owner": imported.owner} if imported.owner else {}),
        "target": _target(source, imported),
        "goals": imported.goals,
        "entities": [readable(e) for e in entities],
    }


def _yaml_text(document: dict[str, Any], header: list[str]) -> str:
    yaml = YAML()
    yaml.width = 4096  # long values on one line: a wrapped string reads back with spaces it never had
    yaml.representer.ignore_aliases = lambda *_: True
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    for line in header:
        stream.write(f"# {line}\n" if line else "#\n")
    yaml.dump(_block_strings(json.loads(json.dumps(document))), stream)
    return stream.getvalue()


def _block_strings(value: Any) -> Any:
    """Multi-line strings (custom HTML, JavaScript) as YAML literal blocks, when that reads back
    exactly (no trailing spaces, tabs or carriage returns)."""
    if isinstance(value, dict):
        return {k: _block_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(v, str) and "\n" not in v for v in value) and sum(map(len, value)) < 80:
            flow = CommentedSeq(value)  # [a, b] on one line: trigger names, a condition's arguments
            flow.fa.set_flow_style()
            return flow
        return [_block_strings(v) for v in value]
    if (
        isinstance(value, str)
        and "\n" in value
        and not any(c in value for c in "\t\r\x85\u2028\u2029")
        and all(line == line.rstrip() for line in value.split("\n"))
        and not value.startswith((" ", "\n"))
    ):
        return LiteralScalarString(value)
    return value


def write_import(
    source: Source,
    out: Path,
    choice: Choice,
    templates: Path | None = None,
    force: bool = False,
    goals: bool = True,
    owner: str | None = None,
) -> Imported:
    """Import into a new goal file ``out`` (see docs/adopting.md): groups a built-in goal kind makes
    exactly become that goal (unless not ``goals``), every other chosen entity is adopted as it
    is. GoalkeeperError, with nothing written, when ``out`` exists (unless ``force``), a source
    cannot be read, or the goal file written would not describe exactly what was read."""
    if out.exists() and not force:
        raise GoalkeeperError(
            Problem("exists already; choose another --out, or pass --force to overwrite it", str(out))
        )
    if not out.parent.is_dir():
        raise GoalkeeperError(
            Problem(f"its folder {out.parent} does not exist; create it, or choose another --out", str(out))
        )
    previous = _previous(out)
    before = previous.get("owner") if isinstance(previous.get("owner"), str) else None
    owner = owner or before
    _check_owner(owner, out)
    listed = frozenset(
        str(e["key_event"]) for e in previous.get("entities") or [] if isinstance(e, dict) and "key_event" in e
    )
    imported = import_entities(source, out, replace(choice, owner=owner or default_owner(str(out)), ours=listed))
    imported.owner = owner
    if previous:
        _refuse_orphans(imported.live, before or default_owner(str(out)), owner or default_owner(str(out)), out)
    everything = list(imported.chosen)
    if goals:
        recognise_goals(source, imported, out, templates)
    try:
        text = _checked_text(source, imported, out, templates)
    except GoalkeeperError as error:
        if not imported.goals:
            raise
        # Goals that each make what exists yet do not plan together: adopt every entity as it is.
        imported.notes.append(
            f"{len(imported.goals)} groups of entities were found to be goals, but the goal file with them "
            f"would not plan ({error.problems[0].message}); they are adopted as entities instead"
        )
        imported.goals, imported.chosen = [], everything
        text = _checked_text(source, imported, out, templates)
    try:
        write_atomically(out, text)
    except OSError as error:
        raise GoalkeeperError(Problem(f"could not be written ({error.strerror or error})", str(out))) from None
    return imported


def _check_owner(owner: str | None, out: Path) -> None:
    """GoalkeeperError when the goal file would have no valid owner id (see
    goalkeeper.core.ownership): ``owner`` given, or else the one its path gives."""
    given = owner is not None
    owner = owner if given else default_owner(str(out))
    if not re.fullmatch(OWNER_PATTERN, str(owner)):
        said = f"--owner {owner!r}" if given else f"the goal file's path {owner!r}"
        raise GoalkeeperError(
            Problem(
                f"{said} cannot be an owner id (at most 64 letters, digits, _ . / -); pass --owner with a short "
                "id, say --owner shop-tracking; nothing was written",
                str(out),
            )
        )


def _refuse_orphans(live: State, before: str, after: str, out: Path) -> None:
    """GoalkeeperError when importing again under another owner would leave what the goal file
    managed as ``before`` to no goal file (its markers name an owner nobody has any more)."""
    kept = [e.name for e in live if ownership.marked(e) and ownership.owner_of(e) == before]
    if before != after and kept:
        raise GoalkeeperError(
            Problem(
                f"the goal file manages {len(kept)} entities as owner {before!r} ({', '.join(kept[:3])}"
                f"{'…' if len(kept) > 3 else ''}); importing it again as {after!r} would leave them to no goal "
                f"file. Import again with --owner {before} (or without --owner); nothing was written",
                str(out),
            )
        )


def _previous(out: Path) -> dict[str, Any]:
    """The goal file at ``out`` that an import with --force replaces (its ``owner:`` and the key
    events it lists are kept, so the new file manages what the old one did); empty when there is
    none or it cannot be read as one."""
    try:
        document = YAML(typ="safe").load(out.read_text(encoding="utf-8")) if out.is_file() else None
    except Exception:  # not a goal file: the new one starts afresh
        return {}
    return document if isinstance(document, dict) else {}


def _checked_text(source: Source, imported: Imported, out: Path, templates: Path | None) -> str:
    """The goal file for ``imported``, checked as ``_check_round_trip`` says."""
    header = [
        "Imported by `goalkeeper import`: goalkeeper manages what is below as it is, from the next apply on",
        "(ids kept; the plan shows each entity getting goalkeeper's marker as ownership bookkeeping). Goals",
        "keep the hand-made names and settings under `adopted:`; edit anything here, or replace groups of",
        "entities with goals (goalkeeper kinds); docs/adopting.md explains.",
    ]
    left = ", ".join(f"{count} {label}s" for label, count in sorted(imported.left.items()))
    if left:
        header += ["", f"Left unmanaged and untouched: {left}."]
    header += [line for n in imported.notes for line in textwrap.wrap(n[0].upper() + n[1:] + ".", 100)]
    document = goal_document(source, imported)
    text = _yaml_text(document, header)
    cut = _check_round_trip(text, imported, out, templates)
    if not cut:
        return text
    names = ", ".join(f"{e.entity_kind.label} {e.name!r}" for e in cut)
    note = (
        f"The description of {names} does not fit beside goalkeeper's marker in GA4's 150 characters: the "
        "plan shows it cut. Shorten it here to keep what matters."
    )
    return _yaml_text(document, [*header, "", *textwrap.wrap(note, 100)])


def _check_round_trip(text: str, imported: Imported, out: Path, templates: Path | None) -> list[Entity]:
    """Refuse to write a goal file that would not describe exactly what was read, or that would
    not plan: every entity it makes exists as it is (goalkeeper's marker aside), every entity
    chosen is made (nothing goalkeeper writes may change what it adopts), and the planner takes
    it against what was read. Returns the GA4 entities whose description the marker cuts (GA4
    keeps 150 characters): a real change the plan shows, which the goal file's header names."""
    from goalkeeper.core.planner import make_plan

    kinds = load_kinds(templates)
    goal_file = parse_goal_text(text, kinds, str(out))
    desired = expand(goal_file, kinds)
    pairs = [(want, imported.live.get(*want.key)) for want in desired]
    cut = [want for want, have in pairs if have is not None and _description_cut(want, have)]
    differing = [want for want, have in pairs if have is None or differs_beyond_marker(want, have)]
    differing = [want for want in differing if want not in cut]
    differing += [entity for entity in imported.chosen if desired.get(*entity.key) is None]
    if differing:
        names = ", ".join(f"{e.entity_kind.label} {e.name!r}" for e in differing)
        raise GoalkeeperError(
            Problem(f"could not write {names} so that it reads back the same; nothing was written", str(out))
        )
    make_plan(
        desired,
        imported.live,
        planned=frozenset(e.target for e in imported.live) | frozenset(e.target for e in desired),
        declared=goal_file.declarations(),
        owner=goal_file.owner,
        adopted=taken_over_keys(goal_file, desired),
        force=True,
    )
    return cut


def _description_cut(want: Entity, have: Entity) -> bool:
    """Whether ``want`` is ``have`` with goalkeeper's marker and the user's description cut short
    to fit GA4's 150 characters (``GA4_DESCRIPTION_LIMIT``)."""
    if want.entity_kind.marker != "description":
        return False
    mine, theirs = ownership.user_text(want.kind, want.body), ownership.user_text(have.kind, have.body)
    rest = {k: v for k, v in want.body.items() if k != "description"}
    theirs_rest = {k: v for k, v in comparable(want, have).items() if k != "description"}
    same_rest = canonical_json(rest) == canonical_json(theirs_rest)
    return same_rest and len(mine) < len(theirs) and theirs.startswith(mine)
