"""State and request handlers of the fake Tag Manager API v2.

Model: accounts > containers > (versions, workspaces). A workspace holds a full snapshot of its
entities and remembers the container version it is based on; a version is an immutable snapshot.
Workspace status is the difference between the workspace and its base version (compared on content,
fingerprints ignored). ``sync`` three-way merges the container's latest version into the workspace;
entities changed on both sides in different ways are kept as in the workspace and reported as
``mergeConflict`` until resolved (``resolve_conflict``) or reverted.

Choices where Google's behaviour is not documented (the API reference is silent on them):
- stale ``fingerprint`` on update (PUT), revert, resolve_conflict and publish: HTTP 409, status ABORTED
  (``GtmState.fingerprint_conflict`` holds the pair; set it to ``(412, "FAILED_PRECONDITION")`` to test
  the other plausible answer);
- a 4th workspace in a container: HTTP 400, status FAILED_PRECONDITION (``GtmState.max_workspaces``);
- ``create_version`` on a workspace whose base is older than the container's latest version syncs
  first; with merge conflicts it answers 200 ``{"syncStatus": {"mergeConflict": true}, "mergeConflict"...}``
  without a version and keeps the workspace. With compiler errors (a tag firing on a trigger id that does
  not exist, a setup/teardown tag name that does not exist, a ``{{Variable}}`` that is neither a variable
  nor an enabled built-in) it answers 200 ``{"compilerError": true}`` without a version;
- ``bulk_update`` (documented: the ProposedChange and BulkUpdateWorkspaceResponse shapes, ``new_<number>``
  ids for new entities that other changes of the request may reference) is taken as applying its changes
  one after the other: a change that fails answers that change's error (as the single request would) and
  leaves the changes before it applied, since nothing says the request is atomic; more than
  ``GtmState.bulk_update_limit`` changes (100) are refused whole with 400 INVALID_ARGUMENT, since nothing
  says how large a request may be; a fingerprint given on an updated or deleted entity must match, as on
  update. The answer lists the added and updated entities, not the deleted ones (as the reference says);
- UPPER_SNAKE enums in requests are accepted and stored as lowerCamel; responses always use lowerCamel;
- fields GTM fills in (``SERVER_FILLED``): a tag, trigger or variable created or updated without them
  gets them, as every such object in the real exports carries them (the discovery document says GTM
  populates ``uniqueTriggerId``; for the others, whether GTM or its interface sets them is unknown, so
  the fake takes the stricter reading: a client must expect them back on objects it wrote without them);
- ``create_version`` consumes the workspace; only a Default Workspace comes back (when the consumed one
  was the Default Workspace, or none is left), never a named one (GTM Help, "Workspaces"); which of the
  two cases GTM re-creates it in is not documented: the fake re-creates it in both, and no named one;
- deletes answer 204 with no body.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias

from . import enums
from .clock import Clock
from .errors import ApiError, bad_request, not_found
from .wire import Json, Query, Reply, first

PREFIX = "/tagmanager/v2/"
BUILTIN_TRIGGER_IDS = frozenset({"2147479553", "2147479572", "2147479573"})
READ_ONLY = ("path", "accountId", "containerId", "workspaceId", "fingerprint", "tagManagerUrl")
VAR_REF = re.compile(r"\{\{([^{}]+)\}\}")
DEFAULT_WORKSPACE = "Default Workspace"

# Fields GTM fills in when a request leaves them out, by entity (vkey) and, for triggers, type; in the
# API's spelling. Every link-click and form trigger of the real exports in ../shared/containers (52 of
# 52) carries these four with these values; every tag (210 of 210) a firing option (GTM's interface
# defaults to once per event), monitoring metadata (197, all exports from 2018 on) and consent settings
# (152, all from 2022 on); 370 of 399 variables an empty formatValue. uniqueTriggerId "is populated
# during output generation" (Tag Manager API v2 discovery document, Trigger.uniqueTriggerId).
_CLICK_AND_FORM_FIELDS: Json = {
    "waitForTags": {"type": "boolean", "value": "false"},
    "checkValidation": {"type": "boolean", "value": "false"},
    "waitForTagsTimeout": {"type": "template", "value": "2000"},
    "uniqueTriggerId": {"type": "template"},
}
SERVER_FILLED: dict[tuple[str, str | None], Json] = {
    ("tag", None): {
        "tagFiringOption": "oncePerEvent",
        "monitoringMetadata": {"type": "map"},
        "consentSettings": {"consentStatus": "notSet"},
    },
    ("trigger", "linkClick"): _CLICK_AND_FORM_FIELDS,
    ("trigger", "formSubmission"): _CLICK_AND_FORM_FIELDS,
    ("variable", None): {"formatValue": {}},
}


def _with_server_fields(vkey: str, e: Json) -> Json:
    """``e`` with the fields GTM fills in (``SERVER_FILLED``) added where it has none."""
    filled = SERVER_FILLED.get((vkey, e.get("type")), SERVER_FILLED.get((vkey, None), {}))
    return {**e, **{k: copy.deepcopy(v) for k, v in filled.items() if k not in e}}


@dataclasses.dataclass(frozen=True)
class Kind:
    segment: str  # URL collection segment
    list_key: str  # key of list responses
    id_field: str
    vkey: str  # key in ContainerVersion / Entity


KINDS: dict[str, Kind] = {
    k.segment: k
    for k in (
        Kind("tags", "tag", "tagId", "tag"),
        Kind("triggers", "trigger", "triggerId", "trigger"),
        Kind("variables", "variable", "variableId", "variable"),
        Kind("folders", "folder", "folderId", "folder"),
        Kind("templates", "template", "templateId", "customTemplate"),
        Kind("clients", "client", "clientId", "client"),
        Kind("zones", "zone", "zoneId", "zone"),
        Kind("transformations", "transformation", "transformationId", "transformation"),
        Kind("gtag_config", "gtagConfig", "gtagConfigId", "gtagConfig"),
    )
}
BY_VKEY: dict[str, Kind] = {k.vkey: k for k in KINDS.values()}
VKEYS = tuple(BY_VKEY)
TRIGGER_PARAM_FIELDS = (
    "waitForTags",
    "checkValidation",
    "waitForTagsTimeout",
    "uniqueTriggerId",
    "eventName",
    "interval",
    "limit",
    "selector",
    "intervalSeconds",
    "maxTimerLengthSeconds",
    "visibilitySelector",
    "visiblePercentageMin",
    "visiblePercentageMax",
    "continuousTimeMinMilliseconds",
    "totalTimeMinMilliseconds",
    "verticalScrollPercentageList",
    "horizontalScrollPercentageList",
)


class Snapshot:
    """Entities of a workspace or version: ``entities[vkey][id] -> dict`` and ``builtins[type] -> dict``."""

    def __init__(self) -> None:
        self.entities: dict[str, dict[str, Json]] = {v: {} for v in VKEYS}
        self.builtins: dict[str, Json] = {}

    def copy(self) -> Snapshot:
        s = Snapshot()
        s.entities = copy.deepcopy(self.entities)
        s.builtins = copy.deepcopy(self.builtins)
        return s

    def count(self, vkey: str) -> int:
        return len(self.entities[vkey])


@dataclasses.dataclass
class Version:
    id: str
    name: str
    description: str
    fingerprint: str
    snap: Snapshot
    deleted: bool = False


# A merge conflict: (vkey, entity id, the entity in the latest version, the entity in the workspace);
# None where that side deleted it.
Conflict: TypeAlias = tuple[str, str, Json | None, Json | None]


@dataclasses.dataclass
class Workspace:
    id: str
    name: str
    description: str
    fingerprint: str
    base_version_id: str | None
    snap: Snapshot
    conflicts: list[Conflict] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Container:
    account_id: str
    id: str
    name: str
    public_id: str
    usage_context: list[str]
    fingerprint: str
    extra: Json = dataclasses.field(default_factory=dict)  # notes, domainName, features, tagIds...
    versions: dict[str, Version] = dataclasses.field(default_factory=dict)
    workspaces: dict[str, Workspace] = dataclasses.field(default_factory=dict)
    latest_version_id: str | None = None
    live_version_id: str | None = None
    next_entity_id: int = 1
    next_workspace_id: int = 1
    next_version_id: int = 1

    @property
    def path(self) -> str:
        return f"accounts/{self.account_id}/containers/{self.id}"

    def base_snap(self, version_id: str | None) -> Snapshot:
        return self.versions[version_id].snap if version_id is not None else Snapshot()

    def new_entity_id(self) -> str:
        self.next_entity_id += 1
        return str(self.next_entity_id - 1)


@dataclasses.dataclass
class Account:
    id: str
    name: str
    fingerprint: str
    containers: dict[str, Container] = dataclasses.field(default_factory=dict)


def _content(e: Json | None) -> Json | None:
    if e is None:
        return None
    return {k: v for k, v in e.items() if k != "fingerprint"}


def _strings(obj: object) -> Iterator[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def _param(params: list[Any] | None, key: str) -> Json | None:
    for p in params or []:
        if isinstance(p, dict) and p.get("key") == key:
            return p
    return None


class GtmState:
    """All GTM data held by the fake, plus the HTTP handlers (``handle``)."""

    page_size = 200
    max_workspaces = 3
    fingerprint_conflict = (409, "ABORTED")
    bulk_update_limit = 100

    def __init__(self, clock: Clock, lock: threading.RLock | None = None) -> None:
        self.clock = clock
        self.lock = lock or threading.RLock()
        self.accounts: dict[str, Account] = {}
        self._last_fp = 0

    # ------------------------------------------------------------------ helpers
    def fingerprint(self) -> str:
        """A new ms-timestamp fingerprint, strictly greater than every earlier one."""
        self._last_fp = max(self._last_fp + 1, int(self.clock.now() * 1000))
        return str(self._last_fp)

    def _url(self, path: str) -> str:
        return f"https://tagmanager.google.com/#/{path}"

    def account(self, account_id: str) -> Account:
        try:
            return self.accounts[account_id]
        except KeyError:
            raise not_found() from None

    def container(self, account_id: str, container_id: str) -> Container:
        try:
            return self.account(account_id).containers[container_id]
        except KeyError:
            raise not_found() from None

    def find_container(self, public_id: str) -> Container | None:
        for a in self.accounts.values():
            for c in a.containers.values():
                if c.public_id == public_id:
                    return c
        return None

    def workspace(self, ct: Container, ws_id: str) -> Workspace:
        try:
            return ct.workspaces[ws_id]
        except KeyError:
            raise not_found() from None

    def resolve(self, path: str) -> tuple[Container, Workspace | None]:
        """``accounts/a/containers/c[/workspaces/w...]`` -> (container, workspace or None)."""
        parts = path.strip("/").split("/")
        ct = self.container(parts[1], parts[3])
        ws = self.workspace(ct, parts[5]) if len(parts) > 5 and parts[4] == "workspaces" else None
        return ct, ws

    def _page(self, items: list[Json], query: Query, key: str) -> Json:
        token = first(query, "pageToken")
        try:
            start = int(token) if token else 0
        except ValueError:
            raise bad_request("Invalid page token.") from None
        page = items[start : start + self.page_size]
        out: dict[str, Any] = {key: page} if page else {}
        if start + self.page_size < len(items):
            out["nextPageToken"] = str(start + self.page_size)
        return out

    def _check_fp(self, query: Query, current: str) -> None:
        fp = first(query, "fingerprint")
        if fp and fp != current:
            code, status = self.fingerprint_conflict
            raise ApiError(
                code,
                f"Fingerprint mismatch: the entity was modified (request fingerprint {fp}, current {current}).",
                status,
                "aborted" if code == 409 else "conditionNotMet",
            )

    # ------------------------------------------------------------------ output shapes
    def account_out(self, a: Account) -> Json:
        return {
            "path": f"accounts/{a.id}",
            "accountId": a.id,
            "name": a.name,
            "fingerprint": a.fingerprint,
            "tagManagerUrl": self._url(f"accounts/{a.id}"),
        }

    def container_out(self, c: Container) -> Json:
        out: Json = {
            "path": c.path,
            "accountId": c.account_id,
            "containerId": c.id,
            "name": c.name,
            "publicId": c.public_id,
            "usageContext": list(c.usage_context),
            "fingerprint": c.fingerprint,
            "tagManagerUrl": self._url(c.path),
        }
        out.update(copy.deepcopy(c.extra))
        return out

    def workspace_out(self, c: Container, w: Workspace) -> Json:
        p = f"{c.path}/workspaces/{w.id}"
        out: Json = {
            "path": p,
            "accountId": c.account_id,
            "containerId": c.id,
            "workspaceId": w.id,
            "name": w.name,
            "fingerprint": w.fingerprint,
            "tagManagerUrl": self._url(p),
        }
        if w.description:
            out["description"] = w.description
        return out

    def entity_out(self, c: Container, w: Workspace | None, vkey: str, e: Json) -> Json:
        kind = BY_VKEY[vkey]
        out: dict[str, Any] = {}
        if w is not None:
            p = f"{c.path}/workspaces/{w.id}/{kind.segment}/{e[kind.id_field]}"
            out.update(path=p, accountId=c.account_id, containerId=c.id, workspaceId=w.id)
        else:
            out.update(accountId=c.account_id, containerId=c.id)
        out.update(copy.deepcopy(e))
        if w is not None:
            out["tagManagerUrl"] = self._url(out["path"])
        return out

    def builtin_out(self, c: Container, w: Workspace | None, b: Json) -> Json:
        out: Json = {"accountId": c.account_id, "containerId": c.id, "type": b["type"], "name": b["name"]}
        if w is not None:
            out = {
                "path": f"{c.path}/workspaces/{w.id}/built_in_variables?type={b['type']}",
                **out,
                "workspaceId": w.id,
            }
        return out

    def version_out(self, c: Container, v: Version, *, header: bool = False) -> Json:
        p = f"{c.path}/versions/{v.id}"
        out: Json = {"path": p, "accountId": c.account_id, "containerId": c.id, "containerVersionId": v.id}
        if v.name:
            out["name"] = v.name
        if v.deleted:
            out["deleted"] = True
        if header:
            for vkey, field in (
                ("tag", "numTags"),
                ("trigger", "numTriggers"),
                ("variable", "numVariables"),
                ("zone", "numZones"),
                ("customTemplate", "numCustomTemplates"),
                ("client", "numClients"),
                ("gtagConfig", "numGtagConfigs"),
                ("transformation", "numTransformations"),
            ):
                out[field] = str(v.snap.count(vkey))
            return out
        if v.description:
            out["description"] = v.description
        out["container"] = self.container_out(c)
        for vkey in VKEYS:
            items = [self.entity_out(c, None, vkey, e) for e in v.snap.entities[vkey].values()]
            if items:
                out[vkey] = items
        if v.snap.builtins:
            out["builtInVariable"] = [self.builtin_out(c, None, b) for b in v.snap.builtins.values()]
        out["fingerprint"] = v.fingerprint
        out["tagManagerUrl"] = self._url(p)
        return out

    # ------------------------------------------------------------------ programmatic setup
    def add_account(self, account_id: str, name: str | None = None) -> Account:
        with self.lock:
            if account_id not in self.accounts:
                self.accounts[account_id] = Account(account_id, name or f"Account {account_id}", self.fingerprint())
            return self.accounts[account_id]

    def add_container(
        self,
        account_id: str,
        container_id: str | None = None,
        public_id: str | None = None,
        name: str | None = None,
        usage_context: Iterable[str] = ("web",),
        workspace_name: str | None = "Default Workspace",
        **extra: Any,
    ) -> Container:
        """Create a container (and its account if needed) with one empty workspace unless ``workspace_name=None``."""
        with self.lock:
            acct = self.add_account(account_id)
            if container_id is None:
                container_id = str(max([int(x) for x in acct.containers if x.isdigit()] + [10_000_000]) + 1)
            if container_id in acct.containers:
                raise ValueError(f"container {account_id}/{container_id} exists")
            public_id = public_id or f"GTM-{int(container_id):07X}"[:11]
            ct = Container(
                account_id,
                container_id,
                name or public_id,
                public_id,
                [enums.upper_to_camel(u) for u in usage_context],
                self.fingerprint(),
                extra={"tagIds": [public_id], **extra},
            )
            acct.containers[container_id] = ct
            if workspace_name:
                self.add_workspace(ct, workspace_name)
            return ct

    def add_workspace(
        self, ct: Container, name: str, description: str = "", base_version_id: str | None = None
    ) -> Workspace:
        with self.lock:
            base = base_version_id if base_version_id is not None else ct.latest_version_id
            ws = Workspace(
                str(ct.next_workspace_id), name, description, self.fingerprint(), base, ct.base_snap(base).copy()
            )
            ct.next_workspace_id += 1
            ct.workspaces[ws.id] = ws
            return ws

    def add_version(
        self,
        ct: Container,
        snap: Snapshot,
        name: str = "",
        description: str = "",
        version_id: str | None = None,
        live: bool = False,
    ) -> Version:
        with self.lock:
            vid = version_id or str(ct.next_version_id)
            if vid.isdigit():
                ct.next_version_id = max(ct.next_version_id, int(vid) + 1)
            v = Version(vid, name, description, self.fingerprint(), snap.copy())
            ct.versions[vid] = v
            ct.latest_version_id = vid
            ct.fingerprint = self.fingerprint()
            if live:
                ct.live_version_id = vid
            return v

    # helpers meant for fault hooks ("someone else edits the workspace")
    def get_entity(self, path: str) -> Json:
        with self.lock:
            ct, ws, kind, eid = self._entity_path(path)
            return self.entity_out(ct, ws, kind.vkey, self._get(ws.snap, kind, eid))

    def edit_entity(self, path: str, **fields: Any) -> Json:
        """Change fields of an entity as another user would (no validation), bumping its fingerprint."""
        with self.lock:
            ct, ws, kind, eid = self._entity_path(path)
            e = self._get(ws.snap, kind, eid)
            e.update(copy.deepcopy(fields))
            e["fingerprint"] = self.fingerprint()
            ws.fingerprint = self.fingerprint()
            return self.entity_out(ct, ws, kind.vkey, e)

    def delete_entity(self, path: str) -> None:
        with self.lock:
            _ct, ws, kind, eid = self._entity_path(path)
            self._get(ws.snap, kind, eid)
            del ws.snap.entities[kind.vkey][eid]

    def _entity_path(self, path: str) -> tuple[Container, Workspace, Kind, str]:
        parts = path.strip("/").split("/")
        if len(parts) != 8 or parts[6] not in KINDS:
            raise ValueError(f"not an entity path: {path}")
        ct, ws = self.resolve(path)
        if ws is None:
            raise ValueError(f"not an entity path: {path}")
        return ct, ws, KINDS[parts[6]], parts[7]

    @staticmethod
    def _get(snap: Snapshot, kind: Kind, eid: str) -> Json:
        try:
            return snap.entities[kind.vkey][eid]
        except KeyError:
            raise not_found() from None

    # ------------------------------------------------------------------ validation
    def _clean(self, kind: Kind, body: Json) -> Json:
        clean: Json = enums.normalize_enums(body or {})
        for k in (*READ_ONLY, kind.id_field):
            clean.pop(k, None)
        return clean

    def _validate(self, snap: Snapshot, kind: Kind, e: Json, self_id: str | None) -> None:
        name = e.get("name")
        if not name or not str(name).strip():
            raise bad_request(f"{kind.list_key}.name: The value must not be empty.")
        for oid, other in snap.entities[kind.vkey].items():
            if oid != self_id and other.get("name") == name:
                raise bad_request("Found entity with duplicate name.")
        if kind.vkey == "variable" and any(b["name"] == name for b in snap.builtins.values()):
            raise bad_request("Found entity with duplicate name.")
        if kind.vkey in ("tag", "trigger", "variable", "client", "transformation", "zone") and not e.get("type"):
            raise bad_request(f"{kind.list_key}.type: The value must not be empty.")
        pf = e.get("parentFolderId")
        if pf and kind.vkey != "folder" and pf not in snap.entities["folder"]:
            raise bad_request(f"{kind.list_key}.parentFolderId: Folder not found: {pf}.")
        self._validate_parameters(kind, e)
        if kind.vkey == "trigger":
            t = e["type"]
            if t not in enums.trigger_types():
                raise bad_request(
                    f"Invalid value at 'trigger.type' (type.googleapis.com/google.tagmanager.v2.Trigger.Type), \"{t}\""
                )
            if t == "customEvent" and len(e.get("customEventFilter") or []) != 1:
                raise bad_request("customEventFilter: Custom-event trigger must have exactly one custom-event filter.")
            for fld in ("filter", "customEventFilter", "autoEventFilter"):
                for i, cond in enumerate(e.get(fld) or []):
                    if cond.get("type") not in enums.condition_types():
                        raise bad_request(f"Invalid value at 'trigger.{fld}[{i}].type', \"{cond.get('type')}\"")
        if kind.vkey == "tag" and e["type"] == "gaawe":
            params = e.get("parameter") or []
            mid = _param(params, "measurementIdOverride") or _param(params, "measurementId")
            if mid is None or not (mid.get("value") or "").strip():
                raise bad_request("vendorTemplate.parameter.measurementIdOverride: The value must not be empty.")

    def _validate_parameters(self, kind: Kind, e: Json) -> None:
        valid = enums.parameter_types()

        def check(p: object, where: str) -> None:
            if not isinstance(p, dict):
                raise bad_request(f"Invalid value at '{where}'")
            if p.get("type") not in valid:
                raise bad_request(
                    f"Invalid value at '{where}.type' (type.googleapis.com/"
                    f'google.tagmanager.v2.Parameter.Type), "{p.get("type")}"'
                )
            for i, q in enumerate(p.get("list") or []):
                check(q, f"{where}.list[{i}]")
            for i, q in enumerate(p.get("map") or []):
                check(q, f"{where}.map[{i}]")

        for i, p in enumerate(e.get("parameter") or []):
            check(p, f"{kind.list_key}.parameter[{i}]")
        for fld in ("priority", "monitoringMetadata", *TRIGGER_PARAM_FIELDS):
            if isinstance(e.get(fld), dict):
                check(e[fld], f"{kind.list_key}.{fld}")

    # ------------------------------------------------------------------ entity operations (on a snapshot)
    def _create(self, ct: Container, snap: Snapshot, kind: Kind, body: Json, eid: str | None = None) -> Json:
        e = self._clean(kind, body)
        self._validate(snap, kind, e, None)
        eid = eid or ct.new_entity_id()
        e = {kind.id_field: eid, **_with_server_fields(kind.vkey, e), "fingerprint": self.fingerprint()}
        snap.entities[kind.vkey][eid] = e
        return e

    def _update(self, snap: Snapshot, kind: Kind, eid: str, body: Json, query: Query) -> Json:
        cur = self._get(snap, kind, eid)
        self._check_fp(query, cur["fingerprint"])
        e = self._clean(kind, body)
        self._validate(snap, kind, e, eid)
        e = {kind.id_field: eid, **_with_server_fields(kind.vkey, e), "fingerprint": self.fingerprint()}
        snap.entities[kind.vkey][eid] = e
        return e

    def _enable_builtins(self, snap: Snapshot, types: list[str]) -> list[Json]:
        out = []
        for t in types:
            t = enums.upper_to_camel(t)
            if t not in enums.builtin_types():
                raise bad_request(
                    f"Invalid value at 'type' (type.googleapis.com/google.tagmanager.v2.BuiltInVariable.Type), \"{t}\""
                )
            name = enums.builtin_name(t)
            if t not in snap.builtins and any(v.get("name") == name for v in snap.entities["variable"].values()):
                raise bad_request("Found entity with duplicate name.")
            snap.builtins.setdefault(t, {"type": t, "name": name})
            out.append(snap.builtins[t])
        return out

    # ------------------------------------------------------------------ workspace semantics
    def changes(self, ct: Container, ws: Workspace) -> list[Json]:
        base = ct.base_snap(ws.base_version_id)
        out = []
        for vkey in VKEYS:
            b, w = base.entities[vkey], ws.snap.entities[vkey]
            for eid in sorted(set(b) | set(w), key=lambda x: (len(x), x)):
                if eid not in b:
                    status, ent = "added", w[eid]
                elif eid not in w:
                    status, ent = "deleted", b[eid]
                elif _content(b[eid]) != _content(w[eid]):
                    status, ent = "updated", w[eid]
                else:
                    continue
                out.append({vkey: self.entity_out(ct, ws, vkey, ent), "changeStatus": status})
        for t in sorted(set(base.builtins) | set(ws.snap.builtins)):
            if (t in base.builtins) != (t in ws.snap.builtins):
                b = ws.snap.builtins.get(t) or base.builtins[t]
                out.append(
                    {
                        "builtInVariable": self.builtin_out(ct, ws, b),
                        "changeStatus": "added" if t in ws.snap.builtins else "deleted",
                    }
                )
        return out

    def _conflicts_out(self, ct: Container, ws: Workspace) -> list[Json]:
        out = []
        for vkey, eid, latest, mine in ws.conflicts:
            item: dict[str, Any] = {}
            if latest is not None:
                item["entityInBaseVersion"] = {vkey: self.entity_out(ct, ws, vkey, latest), "changeStatus": "updated"}
            base = ct.base_snap(ws.base_version_id).entities[vkey].get(eid)
            if mine is not None:
                item["entityInWorkspace"] = {
                    vkey: self.entity_out(ct, ws, vkey, mine),
                    "changeStatus": "updated" if base is not None else "added",
                }
            elif latest is not None:
                item["entityInWorkspace"] = {vkey: self.entity_out(ct, ws, vkey, latest), "changeStatus": "deleted"}
            out.append(item)
        return out

    def sync(self, ct: Container, ws: Workspace) -> None:
        latest_id = ct.latest_version_id
        if ws.base_version_id == latest_id:
            return
        base, latest, mine = ct.base_snap(ws.base_version_id), ct.base_snap(latest_id), ws.snap
        for vkey in VKEYS:
            b, lt, w = base.entities[vkey], latest.entities[vkey], mine.entities[vkey]
            for eid in set(b) | set(lt) | set(w):
                be, le, we = b.get(eid), lt.get(eid), w.get(eid)
                if _content(le) == _content(be) or _content(we) == _content(le):
                    continue  # container unchanged, or both made the same change
                if _content(we) == _content(be):  # only the container changed: take it
                    if le is None:
                        w.pop(eid, None)
                    else:
                        w[eid] = copy.deepcopy(le)
                else:
                    ws.conflicts = [c for c in ws.conflicts if (c[0], c[1]) != (vkey, eid)]
                    ws.conflicts.append((vkey, eid, copy.deepcopy(le), copy.deepcopy(we)))
        for t in set(base.builtins) | set(latest.builtins):
            in_b, in_l, in_w = t in base.builtins, t in latest.builtins, t in mine.builtins
            if in_b != in_l and in_w == in_b:
                if in_l:
                    mine.builtins[t] = copy.deepcopy(latest.builtins[t])
                else:
                    mine.builtins.pop(t, None)
        ws.base_version_id = latest_id
        ws.fingerprint = self.fingerprint()

    def compile_errors(self, snap: Snapshot) -> list[str]:
        errs = []
        trigger_ids = set(snap.entities["trigger"]) | BUILTIN_TRIGGER_IDS
        tag_names = {t.get("name") for t in snap.entities["tag"].values()}
        var_names = {v.get("name") for v in snap.entities["variable"].values()}
        var_names |= {b["name"] for b in snap.builtins.values()}
        for t in snap.entities["tag"].values():
            for tid in (t.get("firingTriggerId") or []) + (t.get("blockingTriggerId") or []):
                if tid not in trigger_ids:
                    errs.append(f"Tag '{t.get('name')}' references unknown trigger {tid}")
            for ref in (t.get("setupTag") or []) + (t.get("teardownTag") or []):
                if ref.get("tagName") not in tag_names:
                    errs.append(f"Tag '{t.get('name')}' references unknown tag '{ref.get('tagName')}'")
        for vkey in ("tag", "trigger", "variable"):
            for e in snap.entities[vkey].values():
                for s in _strings({k: v for k, v in e.items() if k not in ("name", "notes")}):
                    for ref in VAR_REF.findall(s):
                        if ref not in var_names and not ref.startswith("_"):
                            errs.append(f"Unknown variable '{ref}' found in {vkey} '{e.get('name')}'")
        return errs

    def create_version(self, ct: Container, ws: Workspace, name: str = "", notes: str = "") -> Json:
        self.sync(ct, ws)
        if ws.conflicts:
            return {"syncStatus": {"mergeConflict": True}, "compilerError": False}
        if self.compile_errors(ws.snap):
            return {"compilerError": True}
        v = self.add_version(ct, ws.snap, name=name, description=notes)
        del ct.workspaces[ws.id]
        out = {"containerVersion": self.version_out(ct, v), "compilerError": False}
        if ws.name == DEFAULT_WORKSPACE or not ct.workspaces:
            new_ws = self.add_workspace(ct, DEFAULT_WORKSPACE, base_version_id=v.id)
            out["newWorkspacePath"] = f"{ct.path}/workspaces/{new_ws.id}"
        return out

    def publish(self, ct: Container, vid: str, query: Query | None = None) -> Json:
        v = self._version(ct, vid)
        self._check_fp(query or {}, v.fingerprint)
        if v.deleted:
            raise ApiError(400, "Cannot publish a deleted version.", "FAILED_PRECONDITION")
        ct.live_version_id = v.id
        return {"containerVersion": self.version_out(ct, v), "compilerError": False}

    def _version(self, ct: Container, vid: str) -> Version:
        found = ct.live_version_id if vid == "published" else vid
        if found is None or found not in ct.versions:
            raise not_found()
        return ct.versions[found]

    def _bulk_update(self, ct: Container, ws: Workspace, body: Json) -> Json:
        """``workspaces.bulk_update``: the changes of a ProposedChange, in order. Google documents the
        request and answer shapes and the ``new_<number>`` ids of new entities (the method's
        description in the discovery document), not its atomicity, limits or fingerprint checks;
        the fake takes the readings hardest on a client (see the module docstring): more than
        ``bulk_update_limit`` changes are refused whole (400), a change that fails leaves the
        changes before it applied, and fingerprints given are checked as on update."""
        changes = (body or {}).get("changes") or []
        if len(changes) > self.bulk_update_limit:
            raise ApiError(
                400,
                f"Too many changes in one request: {len(changes)}; at most {self.bulk_update_limit}.",
                "INVALID_ARGUMENT",
            )
        idmap: dict[str, str] = {}
        plan = []
        for i, ch in enumerate(changes):
            members = [k for k in (*VKEYS, "builtInVariable") if k in ch]
            if len(members) != 1:
                raise bad_request(f"changes[{i}]: exactly one entity must be set.")
            status = ch.get("changeStatus")
            if status not in ("added", "updated", "deleted"):
                raise bad_request(f"changes[{i}].changeStatus: must be added, updated or deleted.")
            vkey = members[0]
            ent = copy.deepcopy(ch[vkey])
            if vkey != "builtInVariable" and status == "added":
                kind = BY_VKEY[vkey]
                nid = ent.get(kind.id_field)
                if not (isinstance(nid, str) and re.fullmatch(r"new_\d+", nid)) or nid in idmap:
                    raise bad_request(
                        f"changes[{i}].{vkey}.{kind.id_field}: new entity IDs must be unique "
                        f"and of the form new_<number>."
                    )
                idmap[nid] = ""  # a real id once the change is applied
            plan.append((vkey, status, ent))
        out: list[Json] = []
        applied = 0
        try:
            for vkey, status, ent in plan:
                entry = self._bulk_change(ct, ws, vkey, status, ent, idmap)
                applied += 1
                if entry is not None:
                    out.append(entry)
        finally:  # what was applied stays applied, even when a later change fails
            if applied:
                ws.fingerprint = self.fingerprint()
        return {"changes": out} if out else {}

    def _bulk_change(
        self, ct: Container, ws: Workspace, vkey: str, status: str, ent: Json, idmap: dict[str, str]
    ) -> Json | None:
        """Apply one change of a bulk_update to the workspace; the Entity to answer with, if any."""
        snap = ws.snap
        if vkey == "builtInVariable":
            kind_type = enums.upper_to_camel(ent.get("type", ""))
            if status == "added":
                self._enable_builtins(snap, [kind_type])
                return {"builtInVariable": self.builtin_out(ct, ws, snap.builtins[kind_type]), "changeStatus": "added"}
            if status == "deleted":
                snap.builtins.pop(kind_type, None)
                return None
            raise bad_request("builtInVariable: only added or deleted are supported.")

        def remap(x: Any) -> Any:  # new_<n> ids become real ones; anything else is left for validation
            return (idmap.get(x) or x) if isinstance(x, str) else x

        kind = BY_VKEY[vkey]
        if "parentFolderId" in ent:
            ent["parentFolderId"] = remap(ent["parentFolderId"])
        for fld in ("firingTriggerId", "blockingTriggerId", "enablingTriggerId", "disablingTriggerId"):
            if fld in ent:
                ent[fld] = [remap(x) for x in ent[fld]]
        eid = str(ent.get(kind.id_field, ""))
        if status == "added":
            e = self._create(ct, snap, kind, ent)
            idmap[eid] = e[kind.id_field]
        elif status == "updated":
            q = {"fingerprint": [ent["fingerprint"]]} if ent.get("fingerprint") else {}
            e = self._update(snap, kind, eid, ent, q)
        else:
            cur = self._get(snap, kind, eid)
            if ent.get("fingerprint"):
                self._check_fp({"fingerprint": [ent["fingerprint"]]}, cur["fingerprint"])
            del snap.entities[vkey][eid]
            return None
        return {vkey: self.entity_out(ct, ws, vkey, e), "changeStatus": status}

    # ------------------------------------------------------------------ HTTP dispatch
    def handle(self, method: str, path: str, query: Query, body: Json | None) -> Reply:
        with self.lock:
            rest = path[len(PREFIX) :].strip("/")
            return self._route(method, rest, query, body or {})

    def _route(self, method: str, rest: str, q: Query, body: Json) -> Reply:
        parts = rest.split("/")
        if rest == "accounts" and method == "GET":
            return 200, self._page([self.account_out(a) for a in self.accounts.values()], q, "account")
        if rest == "accounts/containers:lookup" and method == "GET":
            tag_id = first(q, "tagId", "destinationId")
            ct = self.find_container(tag_id) if tag_id else None
            if ct is None:
                raise not_found()
            return 200, self.container_out(ct)
        if parts[0] != "accounts" or len(parts) < 2:
            raise not_found()
        if len(parts) == 2 and method == "GET":
            return 200, self.account_out(self.account(parts[1]))
        if len(parts) == 3 and parts[2] == "containers":
            acct = self.account(parts[1])
            if method == "GET":
                return 200, self._page([self.container_out(c) for c in acct.containers.values()], q, "container")
            if method == "POST":
                if not body.get("name") or not body.get("usageContext"):
                    raise bad_request("container.name and container.usageContext are required.")
                ct = self.add_container(
                    acct.id,
                    name=body["name"],
                    usage_context=body["usageContext"],
                    **{k: body[k] for k in ("notes", "domainName") if k in body},
                )
                return 200, self.container_out(ct)
        if len(parts) < 4 or parts[2] != "containers":
            raise not_found()
        cid, _, action = parts[3].partition(":")
        ct = self.container(parts[1], cid)
        if len(parts) == 4:
            if action == "snippet" and method == "GET":
                return 200, {"snippet": f"<!-- Google Tag Manager {ct.public_id} -->"}
            if action:
                raise not_found()
            if method == "GET":
                return 200, self.container_out(ct)
            if method == "DELETE":
                del self.accounts[ct.account_id].containers[ct.id]
                return 204, None
            if method == "PUT":
                self._check_fp(q, ct.fingerprint)
                ct.name = body.get("name") or ct.name
                ct.fingerprint = self.fingerprint()
                return 200, self.container_out(ct)
            raise not_found()
        section = parts[4]
        if section in ("versions", "versions:live", "version_headers", "version_headers:latest"):
            return self._route_versions(method, ct, parts, q, body)
        if section != "workspaces":
            raise not_found()
        if len(parts) == 5:
            if method == "GET":
                return 200, self._page([self.workspace_out(ct, w) for w in ct.workspaces.values()], q, "workspace")
            if method == "POST":
                if not body.get("name"):
                    raise bad_request("workspace.name: The value must not be empty.")
                if len(ct.workspaces) >= self.max_workspaces:
                    raise ApiError(
                        400,
                        f"The container has reached the limit of {self.max_workspaces} workspaces. "
                        f"Create a version from a workspace or delete one first.",
                        "FAILED_PRECONDITION",
                        "failedPrecondition",
                    )
                if any(w.name == body["name"] for w in ct.workspaces.values()):
                    raise bad_request("Found entity with duplicate name.")
                w = self.add_workspace(ct, body["name"], body.get("description", ""))
                return 200, self.workspace_out(ct, w)
            raise not_found()
        wid, _, action = parts[5].partition(":")
        ws = self.workspace(ct, wid)
        if len(parts) == 6:
            return self._route_workspace(method, action, ct, ws, q, body)
        section, _, action = parts[6].partition(":")
        if len(parts) == 7 and section == "status" and method == "GET":
            out = {}
            changes = self.changes(ct, ws)
            if changes:
                out["workspaceChange"] = changes
            if ws.conflicts:
                out["mergeConflict"] = self._conflicts_out(ct, ws)
            return 200, out
        if len(parts) == 7 and section == "bulk_update" and method == "POST":
            return 200, self._bulk_update(ct, ws, body)
        if section == "built_in_variables" and len(parts) == 7:
            return self._route_builtins(method, action, ct, ws, q)
        if section not in KINDS:
            raise not_found()
        kind = KINDS[section]
        if len(parts) == 7 and not action:
            if method == "GET":
                items = [self.entity_out(ct, ws, kind.vkey, e) for e in ws.snap.entities[kind.vkey].values()]
                return 200, self._page(items, q, kind.list_key)
            if method == "POST":
                e = self._create(ct, ws.snap, kind, body)
                ws.fingerprint = self.fingerprint()
                return 200, self.entity_out(ct, ws, kind.vkey, e)
            raise not_found()
        if len(parts) != 8:
            raise not_found()
        eid, _, action = parts[7].partition(":")
        if not action:
            if method == "GET":
                return 200, self.entity_out(ct, ws, kind.vkey, self._get(ws.snap, kind, eid))
            if method == "PUT":
                e = self._update(ws.snap, kind, eid, body, q)
                ws.fingerprint = self.fingerprint()
                return 200, self.entity_out(ct, ws, kind.vkey, e)
            if method == "DELETE":
                self._get(ws.snap, kind, eid)
                if kind.vkey == "folder":
                    for vk in VKEYS:
                        for e in ws.snap.entities[vk].values():
                            if e.get("parentFolderId") == eid:
                                e.pop("parentFolderId")
                del ws.snap.entities[kind.vkey][eid]
                ws.fingerprint = self.fingerprint()
                return 204, None
            raise not_found()
        if method != "POST":
            raise not_found()
        if action == "revert":
            cur = self._get(ws.snap, kind, eid)
            self._check_fp(q, cur["fingerprint"])
            base = ct.base_snap(ws.base_version_id).entities[kind.vkey].get(eid)
            if base is None:
                del ws.snap.entities[kind.vkey][eid]
                return 200, {}
            ws.snap.entities[kind.vkey][eid] = copy.deepcopy(base)
            return 200, {kind.list_key: self.entity_out(ct, ws, kind.vkey, base)}
        if kind.vkey == "folder" and action == "entities":
            self._get(ws.snap, kind, eid)
            out = {}
            for vk in ("tag", "trigger", "variable"):
                items = [
                    self.entity_out(ct, ws, vk, e)
                    for e in ws.snap.entities[vk].values()
                    if e.get("parentFolderId") == eid
                ]
                if items:
                    out[vk] = items
            return 200, out
        if kind.vkey == "folder" and action == "move_entities_to_folder":
            self._get(ws.snap, kind, eid)
            for vk, param in (("tag", "tagId"), ("trigger", "triggerId"), ("variable", "variableId")):
                for x in q.get(param, []):
                    e = self._get(ws.snap, BY_VKEY[vk], x)
                    e["parentFolderId"] = eid
                    e["fingerprint"] = self.fingerprint()
            return 204, None
        raise not_found()

    def _route_workspace(self, method: str, action: str, ct: Container, ws: Workspace, q: Query, body: Json) -> Reply:
        if not action:
            if method == "GET":
                return 200, self.workspace_out(ct, ws)
            if method == "PUT":
                self._check_fp(q, ws.fingerprint)
                if not body.get("name"):
                    raise bad_request("workspace.name: The value must not be empty.")
                ws.name, ws.description = body["name"], body.get("description", "")
                ws.fingerprint = self.fingerprint()
                return 200, self.workspace_out(ct, ws)
            if method == "DELETE":
                del ct.workspaces[ws.id]
                return 204, None
            raise not_found()
        if method != "POST":
            raise not_found()
        if action == "sync":
            self.sync(ct, ws)
            out: dict[str, Any] = (
                {"syncStatus": {"mergeConflict": bool(ws.conflicts)}} if ws.conflicts else {"syncStatus": {}}
            )
            if ws.conflicts:
                out["mergeConflict"] = self._conflicts_out(ct, ws)
            return 200, out
        if action == "create_version":
            return 200, self.create_version(ct, ws, body.get("name", ""), body.get("notes", ""))
        if action == "resolve_conflict":
            self._check_fp(q, ws.fingerprint)
            members = [k for k in VKEYS if k in body]
            if len(members) != 1:
                raise bad_request("Exactly one entity must be set.")
            vkey = members[0]
            kind = BY_VKEY[vkey]
            ent = enums.normalize_enums(body[vkey])
            eid = ent.get(kind.id_field)
            if not any((c[0], c[1]) == (vkey, eid) for c in ws.conflicts):
                raise not_found("No merge conflict for this entity.")
            ws.conflicts = [c for c in ws.conflicts if (c[0], c[1]) != (vkey, eid)]
            if body.get("changeStatus") == "deleted":
                ws.snap.entities[vkey].pop(eid, None)
            else:
                e = self._clean(kind, ent)
                ws.snap.entities[vkey][eid] = {kind.id_field: eid, **e, "fingerprint": self.fingerprint()}
            ws.fingerprint = self.fingerprint()
            return 204, None
        if action == "quick_preview":
            return 200, {"compilerError": bool(self.compile_errors(ws.snap)), "syncStatus": {}}
        raise not_found()

    def _route_builtins(self, method: str, action: str, ct: Container, ws: Workspace, q: Query) -> Reply:
        types = q.get("type", [])
        if action == "revert" and method == "POST":
            base = ct.base_snap(ws.base_version_id)
            for t in types:
                t = enums.upper_to_camel(t)
                if t in base.builtins:
                    ws.snap.builtins[t] = copy.deepcopy(base.builtins[t])
                else:
                    ws.snap.builtins.pop(t, None)
            enabled = bool(types) and enums.upper_to_camel(types[-1]) in ws.snap.builtins
            return 200, {"enabled": True} if enabled else {}
        if action:
            raise not_found()
        if method == "GET":
            return 200, self._page(
                [self.builtin_out(ct, ws, b) for b in ws.snap.builtins.values()], q, "builtInVariable"
            )
        if method == "POST":
            if not types:
                raise bad_request("type: at least one built-in variable type is required.")
            created = self._enable_builtins(ws.snap, types)
            ws.fingerprint = self.fingerprint()
            return 200, {"builtInVariable": [self.builtin_out(ct, ws, b) for b in created]}
        if method == "DELETE":
            if not types:
                raise bad_request("type: at least one built-in variable type is required.")
            for t in types:
                t = enums.upper_to_camel(t)
                if t not in enums.builtin_types():
                    raise bad_request(f"Invalid value at 'type', \"{t}\"")
                ws.snap.builtins.pop(t, None)
            ws.fingerprint = self.fingerprint()
            return 204, None
        raise not_found()

    def _route_versions(self, method: str, ct: Container, parts: list[str], q: Query, body: Json) -> Reply:
        section = parts[4]
        if section == "versions:live" and len(parts) == 5 and method == "GET":
            return 200, self.version_out(ct, self._version(ct, "published"))
        if section == "version_headers:latest" and len(parts) == 5 and method == "GET":
            if ct.latest_version_id is None:
                raise not_found()
            return 200, self.version_out(ct, ct.versions[ct.latest_version_id], header=True)
        if section == "version_headers" and len(parts) == 5 and method == "GET":
            inc = (q.get("includeDeleted") or ["false"])[0] == "true"
            items = [self.version_out(ct, v, header=True) for v in ct.versions.values() if inc or not v.deleted]
            return 200, self._page(items, q, "containerVersionHeader")
        if section != "versions" or len(parts) != 6:
            raise not_found()
        vid, _, action = parts[5].partition(":")
        v = self._version(ct, vid)
        if not action and method == "GET":
            return 200, self.version_out(ct, v)
        if not action and method == "DELETE":
            v.deleted = True
            return 204, None
        if not action and method == "PUT":
            self._check_fp(q, v.fingerprint)
            v.name, v.description = body.get("name", ""), body.get("description", "")
            v.fingerprint = self.fingerprint()
            return 200, self.version_out(ct, v)
        if method == "POST" and action == "publish":
            return 200, self.publish(ct, v.id, q)
        if method == "POST" and action == "undelete":
            v.deleted = False
            return 200, self.version_out(ct, v)
        if method == "POST" and action == "set_latest":
            ct.latest_version_id = v.id
            return 200, self.version_out(ct, v)
        raise not_found()
