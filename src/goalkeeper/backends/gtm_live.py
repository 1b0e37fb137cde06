"""A live GTM container as a target, through the Tag Manager API v2 (google-api-python-client).

Reading costs a constant number of requests whatever the container's size: the latest version
header, the workspace list, the latest version (every object in one answer) and, when goalkeeper's
workspace exists, its status (the workspace's own changes, laid over the version); never one GET
per entity, nor a list per type. goalkeeper writes into a workspace of its own (``goalkeeper``
unless the goal file names another), created when missing, synced with the latest container
version before writing. Writes go through ``workspaces.bulk_update`` (many changes a request,
new entities under placeholder ids), or one request per change where GTM refuses it. Every update
carries the fingerprint goalkeeper read, so an edit someone else made in between is reported
instead of overwritten; before writing, the workspace's changes are read again (one request) and
the entities the plan touches compared, which covers deletions (the API takes no fingerprint on
delete). Which write path ran, and every wait for the quota, is logged on the ``goalkeeper`` logger.
"""

from __future__ import annotations

import json
import logging
import math
import socket
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httplib2
from googleapiclient.errors import HttpError

from goalkeeper.backends.base import Backend, Progress, Waiting
from goalkeeper.backends.calls import (
    TAG_MANAGER_ERRORS,
    AmbiguousWriteError,
    Calls,
    Failure,
    advice_for,
    failure_for,
    guard,
)
from goalkeeper.backends.gtm_common import api_object, entity_from_api, kept_on_update, trigger_names
from goalkeeper.backends.ratelimit import GTM_REQUESTS_PER_100S, Clock, SlidingWindowLimiter
from goalkeeper.core.builtins import BUILTIN_TRIGGERS
from goalkeeper.core.changes import Change, Create, Delete
from goalkeeper.core.diff import differs
from goalkeeper.core.errors import GoalkeeperError, StalePlanError
from goalkeeper.core.kinds import KINDS, kinds_of
from goalkeeper.core.model import Entity, digest
from goalkeeper.core.preflight import TargetFacts
from goalkeeper.core.state import State

T = TypeVar("T")
WORKSPACE_LIMIT_HINT = (
    "a GTM container on a free account has at most 3 workspaces. Delete an unused workspace in "
    "GTM (Workspaces menu), or set target.gtm.workspace to the name of an existing one "
    '(docs/troubleshooting.md, "The three-workspace limit")'
)
# Resources built per client service (see GTMLiveBackend._resource).
_RESOURCES: weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], Any]] = weakref.WeakKeyDictionary()
CONNECTION_ERRORS = (ConnectionError, socket.timeout, TimeoutError, httplib2.HttpLib2Error, OSError)
# Changes per bulk_update request to begin with. Google documents no limit; a request GTM finds too
# large is split in two (see GTMLiveBackend._write_in_bulk).
BULK_BATCH = 100
logger = logging.getLogger("goalkeeper")


def _same_version(header: dict[str, Any], other: dict[str, Any] | None) -> bool:
    """Whether two latest-version headers name the same version, unchanged."""
    fields = ("containerVersionId", "fingerprint")
    return other is not None and [header.get(f) for f in fields] == [other.get(f) for f in fields]


def _trigger_ids(current: dict[tuple[str, str], Entity]) -> dict[str, str]:
    """Trigger name → id in a workspace, the built-in triggers included."""
    return {**BUILTIN_TRIGGERS, **{e.name: e.handle["id"] for e in current.values() if e.kind == "gtm.trigger"}}


def _replayed(error: HttpError) -> bool:
    """Whether a refused write may be the answer to its own earlier attempt: a duplicate name
    (it was created), a moved fingerprint (it was updated)."""
    return error.status_code in (409, 412) or (error.status_code == 400 and "duplicate" in str(error.reason).lower())


def _too_large(error: HttpError) -> bool:
    """Whether GTM refused a request for its size (413, or a 400 saying so: the answer to an
    oversized bulk_update is not documented)."""
    reason = str(error.reason).lower()
    return error.status_code == 413 or (
        error.status_code == 400 and any(w in reason for w in ("too many", "too large", "size", "at most"))
    )


class ConcurrentEditError(StalePlanError):
    """Someone changed the container between goalkeeper's read and its write: the plan is out of
    date (exit 3, plan again), as a file target changed since it was read is."""


# What a request needs, by what it does: (GTM container permission, OAuth scope).
_NEEDS_READ = ("Read", "tagmanager.readonly")
_NEEDS_EDIT = ("Edit", "tagmanager.edit.containers")
_NEEDS_VERSION = ("Approve", "tagmanager.edit.containerversions")
_NEEDS_PUBLISH = ("Publish", "tagmanager.publish")


def needed_permission(method: str, uri: str) -> tuple[str, str]:
    """The GTM permission and the OAuth scope a request needs."""
    path = uri.split("?", 1)[0]
    if path.endswith(":publish"):
        return _NEEDS_PUBLISH
    if path.endswith(":create_version"):
        return _NEEDS_VERSION
    if method.upper() == "GET":
        return _NEEDS_READ
    return _NEEDS_EDIT


def permission_hint(status: int, message: str, method: str = "GET", uri: str = "") -> str:
    if status == 401:
        return (
            "the credentials were refused (expired or revoked); run `goalkeeper login` again, "
            "or check the service-account key file"
        )
    permission, scope = needed_permission(method, uri)
    if "scope" in message.lower():
        return (
            f"the credentials lack the OAuth scope https://www.googleapis.com/auth/{scope} ({message}). "
            "Run `goalkeeper login` again, or grant that scope to the credentials "
            '(docs/troubleshooting.md, "Missing scopes")'
        )
    return (
        f"permission denied ({message}). In GTM, Admin > User Management, give the Google account or "
        f"service account goalkeeper runs as the {permission} permission on this container; the "
        f"credentials also need the OAuth scope https://www.googleapis.com/auth/{scope}"
    )


class GTMPermissionError(GoalkeeperError):
    """The credentials may not do what a request asked (401, or a 403 that is no rate error)."""

    exit_code = 1


def answer(error: HttpError) -> tuple[int, list[str], str]:
    """An error answer's HTTP status, the reasons it gives (errors[].reason, ErrorInfo.reason and
    its status string) and its message."""
    reasons = [str(d.get("reason", "")) for d in (error.error_details or []) if isinstance(d, dict)]
    try:
        body = json.loads(error.content.decode("utf-8")).get("error", {})
    except (ValueError, AttributeError, UnicodeDecodeError):
        body = {}
    if isinstance(body, dict):
        reasons += [str(e.get("reason", "")) for e in body.get("errors", []) if isinstance(e, dict)]
        reasons += [str(d.get("reason", "")) for d in body.get("details", []) if isinstance(d, dict)]
        reasons.append(str(body.get("status", "")))
    return error.status_code, [r for r in reasons if r], str(error.reason)


QUOTA_ADVICE = (
    "GTM: the API quota (25 requests per 100 seconds, 10,000 a day per Google Cloud project) stayed "
    "exhausted; wait, then run goalkeeper again. Nothing is lost: the next apply carries on from where "
    "this one stopped"
)


def classify(error: BaseException, request: Any = None) -> Failure:
    """What a failed Tag Manager API request means (see goalkeeper.backends.calls and its
    TAG_MANAGER_ERRORS). A 401, or a 403 that is neither a rate error nor one with advice of its own
    (quota project, API not enabled), raises GTMPermissionError at once, naming what ``request``
    needed."""
    if isinstance(error, HttpError):
        status, reasons, message = answer(error)
        failure = failure_for(TAG_MANAGER_ERRORS, status, reasons, message)
        if failure is Failure.FINAL and status in (401, 403) and not advice_for(TAG_MANAGER_ERRORS, *answer(error)):
            method, uri = (request.method, request.uri) if request is not None else ("GET", "")
            raise GTMPermissionError("GTM: " + permission_hint(status, message, method, uri)) from None
        return failure
    return Failure.CONNECTION if isinstance(error, CONNECTION_ERRORS) else Failure.FINAL


def _pages(
    caller: Callable[..., Any], method: Callable[..., Any], list_key: str, **params: Any
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = None
    while True:
        response = caller(method(**params, **({"pageToken": token} if token else {})))
        items += response.get(list_key, [])
        token = response.get("nextPageToken")
        if not token:
            return items


def explain(error: Exception) -> GoalkeeperError | None:
    """The GoalkeeperError for a Tag Manager API error that retries did not cure: the advice of its
    documented reason (calls.TAG_MANAGER_ERRORS), else by its HTTP status."""
    if not isinstance(error, HttpError):
        return None
    status, reasons, message = answer(error)
    advice = advice_for(TAG_MANAGER_ERRORS, status, reasons, message)
    if advice:
        return GoalkeeperError(f"GTM: {advice}")
    if failure_for(TAG_MANAGER_ERRORS, status, reasons, message) is Failure.RATE:
        return GoalkeeperError(QUOTA_ADVICE)
    if status in (401, 403):
        return GTMPermissionError(f"GTM: {permission_hint(status, message)}")
    if status == 404 and "/workspaces/" in str(getattr(error, "uri", "")):
        # The container was found (the read got as far as a workspace): the workspace itself is gone.
        return GoalkeeperError(
            "GTM: goalkeeper's workspace was deleted, or published as a version (which uses it up), by someone "
            "else while goalkeeper worked in it. Nothing is lost: run the command again; goalkeeper reads the "
            "container again, makes a new workspace and carries on from there"
        )
    if status == 404:
        return GoalkeeperError(f"GTM: not found: {message}; check target.gtm.account and target.gtm.container")
    return GoalkeeperError(f"GTM API error {status}: {message}")


class GTMLiveBackend(Backend):
    target = "gtm"
    publishes = True

    def __init__(
        self,
        service,
        account: str,
        container: str,
        workspace: str = "goalkeeper",
        limiter: SlidingWindowLimiter | None = None,
        clock: Clock | None = None,
        *,
        bulk: bool = True,
        batch: int = BULK_BATCH,
        requests_per_100s: int = GTM_REQUESTS_PER_100S,
    ):
        """``bulk``: write through ``workspaces.bulk_update`` (``batch`` changes a request at
        most); off, one request per change. ``limiter`` paces every request (GTM's quota); without
        one, a limiter of ``requests_per_100s`` on ``clock``."""
        self.service = service
        self.bulk = bulk
        self.batch = batch
        self.account = str(account)
        self.container = str(container)
        self.workspace_name = workspace
        self.clock = clock or Clock()
        self.limiter = limiter or SlidingWindowLimiter(limit=requests_per_100s, clock=self.clock)
        self.calls = Calls(classify, self.clock, limiter=self.limiter, system="GTM")
        self._container_path: str | None = None
        self._container: dict[str, Any] | None = None
        self._workspace: dict[str, Any] | None = None
        self._header: dict[str, Any] | None = None  # the latest version header, from the last read
        self._version: dict[str, list[dict[str, Any]]] | None = None  # that version's objects, by kind
        self._wrote = False  # whether apply wrote into the workspace in this run
        self._snapshot: dict[str, Any] = {}
        try:
            self._resources = _RESOURCES.setdefault(service, {})
        except TypeError:  # a service that cannot be weakly referenced
            self._resources = {}

    def watch_waits(self, waiting: Waiting | None) -> None:
        """Quota waits (the limiter) and retry backoffs (the calls) both pause on the clock."""
        self.limiter.on_wait = waiting
        self.calls.on_wait = waiting

    def seconds_left(self, changes: int) -> float:
        """About how long ``changes`` more changes take to write under the GTM quota: one request
        per ``batch`` changes in bulk, one per change otherwise."""
        requests = math.ceil(changes / max(1, self.batch)) if self.bulk else changes
        return self.limiter.seconds_for(requests)

    def call(
        self, request: Any, *, idempotent: bool = True, failure: Callable[[BaseException], Failure] | None = None
    ) -> Any:
        """Execute one API request through the shared limiter and retries (logged by method,
        path and the status googleapiclient hands its response callbacks); ``failure`` stands in
        for ``classify`` where a request reads an error its own way."""
        answer: dict[str, int] = {}
        request.add_response_callback(lambda response: answer.update(status=int(response.status)))
        return self.calls.send(
            request.execute,
            idempotent=idempotent,
            classify=failure or (lambda e: classify(e, request)),
            method=request.method,
            path=urlsplit(request.uri).path,
            status=lambda: answer.get("status"),
        )

    # -- naming ---------------------------------------------------------------------------
    def describe(self) -> str:
        return f"GTM container {self.container} (account {self.account}), workspace {self.workspace_name!r}"

    def _resource(self, *chain: str):
        """A resource of the client, such as ("workspaces", "tags"), built once: the discovery
        client builds every method of a resource (with its documentation) on each access."""
        if chain not in self._resources:
            parent = self._resource(*chain[:-1]) if len(chain) > 1 else self.service.accounts().containers()
            self._resources[chain] = getattr(parent, chain[-1])() if chain[-1] else parent
        return self._resources[chain]

    def _containers(self):
        return self._resource("")

    def _workspaces(self):
        return self._resource("", "workspaces")

    def container_path(self) -> str:
        if self._container_path is None:
            if self.container.isdigit():
                self._container_path = f"accounts/{self.account}/containers/{self.container}"
            else:
                containers = self._guard(
                    lambda: _pages(self.call, self._containers().list, "container", parent=f"accounts/{self.account}")
                )
                match = next((c for c in containers if c.get("publicId") == self.container), None)
                if match is None:
                    raise GoalkeeperError(
                        f"GTM account {self.account} has no container {self.container} that these credentials can see; "
                        "check target.gtm.account and target.gtm.container"
                    )
                self._container_path, self._container = match["path"], match
        return self._container_path

    def facts(self) -> TargetFacts:
        """The container's usage context (one GET, or none when the container was looked up by its
        public id: the list answered it)."""

        def container() -> dict[str, Any]:
            path = self.container_path()
            if self._container is None:
                self._container = self.call(self._containers().get(path=path))
            return self._container

        contexts = self._guard(container).get("usageContext")
        usage = tuple(str(c) for c in contexts) if isinstance(contexts, list) else None
        return TargetFacts(described=f"GTM container {self.container}", usage_context=usage)

    def _guard(self, action: Callable[[], T]) -> T:
        """Turn the API's errors into messages that say what to do."""
        return guard(action, system="GTM", where="workspace", connection_errors=CONNECTION_ERRORS, explain=explain)

    # -- reading --------------------------------------------------------------------------
    def find_workspace(self) -> dict[str, Any] | None:
        workspaces = _pages(self.call, self._workspaces().list, "workspace", parent=self.container_path())
        return next((w for w in workspaces if w.get("name") == self.workspace_name), None)

    def _read_workspace(self, path: str) -> dict[str, list[dict[str, Any]]]:
        """Every object of the workspace, by listing each type (the ground truth, and the costly
        read: one request per type and page). Used only when a cheaper read cannot be trusted."""
        return {
            kind.key: _pages(
                self.call, self._resource("", "workspaces", kind.collection).list, kind.list_key, parent=path
            )
            for kind in kinds_of("gtm")
        }

    def _latest_version_header(self) -> dict[str, Any]:
        try:
            return self.call(self._resource("", "version_headers").latest(parent=self.container_path()))
        except HttpError as error:
            if error.status_code != 404:
                raise
            return {}  # a container that never had a version

    def _read_version(self, header: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """What a new workspace would start from: the latest container version, in one request
        (a version holds every object; it also describes the container, so the container needs
        no request of its own)."""
        if not header.get("containerVersionId") or header.get("containerVersionId") == "0":
            return {kind.key: [] for kind in kinds_of("gtm")}
        version = self.call(self._resource("", "versions").get(path=header["path"]))
        if isinstance(version.get("container"), dict):
            self._container = version["container"]
        return {kind.key: version.get(kind.list_key, []) for kind in kinds_of("gtm")}

    def _on_top(self, version: dict[str, list[dict[str, Any]]], path: str) -> dict[str, list[dict[str, Any]]]:
        """The workspace as it is once synced: ``version`` (the latest) with the workspace's own
        changes on top, as ``getStatus`` lists them (one request; the Entity of each change holds
        the whole object). The workspace alone misses a version published from elsewhere since it
        was created (edits by hand that a plan must show, and a drift check must catch). Should a
        change come without the fields every object has, the workspace is listed instead."""
        changes = self.call(self._workspaces().getStatus(path=path)).get("workspaceChange", [])
        listing = dict(version)
        for kind in kinds_of("gtm"):
            key, id_key = kind.list_key, kind.id_key or "type"  # built-in variables are known by type
            touched = {c[key].get(id_key): c for c in changes if isinstance(c.get(key), dict)}
            if not touched:
                continue
            mine = [c[key] for c in touched.values() if c.get("changeStatus") in ("added", "updated")]
            if not all(o.get("name") and o.get(id_key) for o in mine):
                logger.info("GTM: workspace status lacks object fields; listing the workspace instead")
                return self._read_workspace(path)
            listing[kind.key] = [o for o in version.get(kind.key, []) if o.get(id_key) not in touched] + mine
        return listing

    def read(self) -> State:
        def read_all():
            # The latest version is part of what a plan rests on: a version published meanwhile
            # would be synced into the workspace before writing, so a saved plan must notice it.
            header = self._latest_version_header()
            self._workspace = self.find_workspace()
            version = self._read_version(header)
            listing = self._on_top(version, self._workspace["path"]) if self._workspace else version
            return header, version, listing

        header, self._version, listing = self._guard(read_all)
        self._header = header
        entities = self._entities(listing)
        self._snapshot = {
            "version": [header.get("containerVersionId"), header.get("fingerprint")],
            "workspace": (self._workspace or {}).get("fingerprint"),
            "entities": sorted(f"{e.kind}:{e.name}:{(e.handle or {}).get('fingerprint')}" for e in entities),
        }
        return State.of(entities)

    def fingerprint(self) -> str:
        """Workspace and entity fingerprints from the last read: moves when anyone edits."""
        return digest(self._snapshot)

    # -- writing --------------------------------------------------------------------------
    def _prepared_workspace(self) -> tuple[dict[str, Any], dict[tuple[str, str], Entity]]:
        """goalkeeper's workspace, ready to write (created, or synced with the latest version), and
        every object in it now, keyed by (kind, name). The read the plan rests on is reused while
        the latest version is the one it read: then only the workspace's own changes are read
        again (one request), never the whole container."""
        if self._header is None:
            self.read()  # apply without a plan read by this backend
        fresh = False
        workspace = self._workspace
        if workspace is not None:
            fresh = not self._sync_or_gone(workspace)
        if workspace is None or fresh:
            workspace, fresh = self._create_workspace()
            if not fresh:  # made meanwhile (by an earlier attempt of this request, or by someone)
                self._sync(workspace)
        self._workspace = workspace
        # Read after the sync: an unchanged latest version means the sync brought in the version
        # the plan read, and nothing newer.
        header = self._latest_version_header()
        if _same_version(header, self._header) and self._version is not None:
            listing = self._version if fresh else self._on_top(self._version, workspace["path"])
        else:
            logger.info("GTM: a version was published since goalkeeper read the container; reading the workspace")
            listing = self._read_workspace(workspace["path"])
        self._header = header
        return workspace, {(e.kind, e.name): e for e in self._entities(listing)}

    def _sync_or_gone(self, workspace: dict[str, Any]) -> bool:
        """Sync ``workspace``; False when it no longer exists (published or deleted since the read)."""
        try:
            self._sync(workspace)
        except HttpError as error:
            if error.status_code != 404:
                raise
            return False
        return True

    def _create_workspace(self) -> tuple[dict[str, Any], bool]:
        """Create goalkeeper's workspace; after an ambiguous failure, look it up by name first.
        Returns the workspace and whether this call created it (a new workspace holds exactly the
        latest version)."""
        body = {"name": self.workspace_name, "description": "Changes made by goalkeeper apply"}
        for _ in range(3):
            try:
                created = self.call(
                    self._workspaces().create(parent=self.container_path(), body=body), idempotent=False
                )
                return created, True
            except AmbiguousWriteError:
                pass
            except HttpError as error:
                reason = str(error.reason).lower()
                if error.status_code == 400 and "duplicate" in reason:
                    pass  # a create that went through before its answer was lost, replayed by the transport
                elif error.status_code in (400, 403, 409) and ("workspace" in reason or "limit" in reason):
                    raise GoalkeeperError(
                        f"GTM refused to create workspace {self.workspace_name!r}: {error.reason}; {WORKSPACE_LIMIT_HINT}"
                    ) from None
                else:
                    raise
            found = self.find_workspace()
            if found is not None:
                return found, False
        raise GoalkeeperError(f"GTM kept failing to create workspace {self.workspace_name!r}; run apply again")

    def _sync(self, workspace: dict[str, Any]) -> None:
        """Bring the workspace up to date with the latest version; stop on merge conflicts."""
        result = self.call(self._workspaces().sync(path=workspace["path"]), idempotent=True)
        conflicts = result.get("mergeConflict") or (result.get("syncStatus") or {}).get("mergeConflict")
        if conflicts:
            if not isinstance(conflicts, list):  # syncStatus.mergeConflict is a flag
                conflicts = self.call(self._workspaces().getStatus(path=workspace["path"])).get("mergeConflict")
            raise GoalkeeperError(
                f"GTM workspace {self.workspace_name!r} is out of date and conflicts with the latest version"
                f"{self._conflict_names(conflicts)}. Resolve the conflicts in the GTM interface (Workspace > "
                "Update), then run goalkeeper again; nothing was written"
            )

    def apply(self, changes: Sequence[Change], progress: Progress | None = None) -> None:
        """Write ``changes`` into goalkeeper's workspace: every built-in variable in one request,
        the rest through ``workspaces.bulk_update`` in as few requests as GTM takes, or one request
        per change when GTM refuses bulk_update (or ``bulk`` is off). Before writing, the entities
        the plan touches are compared with the workspace as it is now; after a write whose outcome
        is unknown, the workspace is read again and only what is still missing is written."""
        changes = [c for c in changes if c.target == "gtm"]
        if not changes:
            return

        def run():
            workspace, current = self._prepared_workspace()
            ids = _trigger_ids(current)
            pending = self._still_to_do(changes, current, progress)
            self._wrote = self._wrote or bool(pending)
            self._write_builtins(workspace["path"], pending, progress)
            pending = [c for c in pending if c.kind != "gtm.builtin_variable"]
            if self.bulk and pending:
                self._write_in_bulk(workspace["path"], pending, current, ids, progress)
            else:
                self._write_each(workspace["path"], pending, current, ids, progress)

        self._guard(run)

    def _entities(self, listing: dict[str, list[dict[str, Any]]]) -> list[Entity]:
        by_id = trigger_names(listing.get("gtm.trigger", []))
        out = []
        for kind in kinds_of("gtm"):
            id_key = kind.id_key
            for obj in listing.get(kind.key, []):
                out.append(
                    entity_from_api(
                        kind.key,
                        obj,
                        by_id,
                        {
                            "id": str(obj[id_key]) if id_key else None,
                            "fingerprint": obj.get("fingerprint"),
                            "path": obj.get("path"),
                            "parentFolderId": obj.get("parentFolderId"),
                        },
                    )
                )
        return out

    def _still_to_do(
        self, changes: Sequence[Change], current: dict[tuple[str, str], Entity], progress: Progress | None
    ) -> list[Change]:
        """The changes not yet carried out in ``current`` (the workspace as it is now). A change
        already there exactly as it writes is done (an earlier attempt went through); an entity
        the plan updates or deletes must otherwise be as the plan read it, and one it creates must
        not exist: else someone changed the workspace meanwhile, and ConcurrentEditError is raised
        before anything more is written. Bodies are compared, not fingerprints: a workspace created
        just now holds the same entities as the version the plan was read from, under new
        fingerprints."""
        moved, pending = [], []
        for change in changes:
            before, _ = change.ends
            now = current.get((change.kind, change.name))
            if self._done(change, now):
                if progress:
                    progress(change)
            elif (
                change.kind == "gtm.builtin_variable"
                or (before is None and now is None)
                or (before is not None and now is not None and now.same_body(before))
            ):
                pending.append(change)
            elif before is not None:
                moved.append(f"{change.kind} {change.name!r}")
            else:
                moved.append(f"{change.kind} {change.name!r} (created meanwhile)")
        if moved:
            raise ConcurrentEditError(
                "someone changed the GTM workspace since goalkeeper read it: "
                + ", ".join(moved)
                + ". Nothing more was written; run `goalkeeper plan` again and review the new plan"
            )
        return pending

    @staticmethod
    def _done(change: Change, now: Entity | None) -> bool:
        """Whether the workspace already holds what ``change`` makes (``now``: its entity there)."""
        if isinstance(change, Delete):
            return now is None
        return now is not None and not differs(change.entity, now)

    def _reread(
        self, workspace_path: str, changes: Sequence[Change], progress: Progress | None
    ) -> tuple[dict[tuple[str, str], Entity], dict[str, str], list[Change]]:
        """After a write whose outcome is unknown: the workspace listed again (``bulk_update`` may
        have carried out part of a request), its trigger ids, and what is still to do."""
        current = {(e.kind, e.name): e for e in self._entities(self._read_workspace(workspace_path))}
        return current, _trigger_ids(current), self._still_to_do(changes, current, progress)

    def _write_builtins(self, workspace_path: str, changes: Sequence[Change], progress: Progress | None) -> None:
        # One request enables every built-in variable the plan needs. Enabling is idempotent.
        wanted = [c for c in changes if c.kind == "gtm.builtin_variable" and isinstance(c, Create)]
        if wanted:
            self.call(
                self._resource("", "workspaces", "built_in_variables").create(
                    parent=workspace_path, type=[c.entity.body["type"] for c in wanted]
                )
            )
            for change in wanted:
                if progress:
                    progress(change)

    # -- writing in bulk ------------------------------------------------------------------
    def _write_in_bulk(
        self,
        workspace_path: str,
        changes: Sequence[Change],
        current: dict[tuple[str, str], Entity],
        ids: dict[str, str],
        progress: Progress | None,
    ) -> None:
        """Write ``changes`` (plan order) through ``workspaces.bulk_update``, ``self.batch``
        changes a request; a request GTM finds too large is split in two. A request whose outcome
        is unknown (a lost answer, a 5xx) is followed by a fresh read of the workspace, and what
        is still missing is sent again. A request GTM refuses otherwise hands the rest to one
        write per change, which names the change GTM refuses, after the same fresh read (GTM does
        not say whether bulk_update is atomic: part of the request may have been carried out)."""
        remaining = list(changes)
        size, unknown = max(1, self.batch), 0
        logger.info("GTM: writing %d changes with bulk_update, up to %d a request", len(remaining), size)
        while remaining:
            batch = remaining[:size]
            body = {"changes": self._proposed(workspace_path, batch, current, ids)}
            try:
                answer = self._send_bulk(workspace_path, body)
            except AmbiguousWriteError:
                unknown += 1
                if unknown > 2:
                    raise
                # A request too large may time out rather than be refused: send less next time.
                size = max(1, len(batch) // 2)
                logger.warning("GTM: the outcome of a bulk_update is unknown; reading the workspace again")
                current, ids, remaining = self._reread(workspace_path, remaining, progress)
                continue
            except HttpError as error:
                if _too_large(error) and len(batch) > 1:
                    size = len(batch) // 2
                    logger.info(
                        "GTM: bulk_update refused %d changes as too many; sending %d a request", len(batch), size
                    )
                    continue
                if _replayed(error) and unknown < 2:
                    # A duplicate name or a moved fingerprint: perhaps this very request, sent again
                    # by the transport after its first answer was lost. The workspace says.
                    unknown += 1
                    logger.warning("GTM: bulk_update answered %s; reading the workspace again", error.status_code)
                    current, ids, remaining = self._reread(workspace_path, remaining, progress)
                    continue
                logger.warning(
                    "GTM refused bulk_update (HTTP %s: %s); writing the remaining changes one request each",
                    error.status_code,
                    error.reason,
                )
                current, ids, remaining = self._reread(workspace_path, remaining, progress)
                self._write_each(workspace_path, remaining, current, ids, progress)
                return
            if not self._learn_ids(batch, answer, ids):
                current, ids, _ = self._reread(workspace_path, (), None)
            remaining = remaining[len(batch) :]
            for change in batch:
                if progress:
                    progress(change)

    def _send_bulk(self, workspace_path: str, body: dict[str, Any]) -> Any:
        """One bulk_update request. A 501 (not implemented) is taken as a refusal, not as a server
        error whose outcome is unknown."""
        request = self._workspaces().bulk_update(path=workspace_path, body=body)

        def failure(error: BaseException) -> Failure:
            if isinstance(error, HttpError) and error.status_code == 501:
                return Failure.FINAL
            return classify(error, request)

        return self.call(request, idempotent=False, failure=failure)

    def _proposed(
        self,
        workspace_path: str,
        batch: Sequence[Change],
        current: dict[tuple[str, str], Entity],
        ids: dict[str, str],
    ) -> list[dict[str, Any]]:
        """The ProposedChange entries of ``batch``: new entities under placeholder ids ``new_1``,
        ``new_2``… (which later changes of the same request may reference: a tag fires on a trigger
        made in the same request), updates and deletes with the fingerprint goalkeeper read."""
        local = dict(ids)  # placeholders are valid within this request only
        entries = []
        for number, change in enumerate(batch, start=1):
            kind = KINDS[change.kind]
            id_key = str(kind.id_key)  # built-in variables, which have none, are enabled apart
            existing = current.get((change.kind, change.name))
            if existing is None:
                if isinstance(change, Delete):
                    continue  # already gone
                obj = {**api_object(change.entity, local), id_key: f"new_{number}"}
                if change.kind == "gtm.trigger":
                    local[change.name] = obj[id_key]
                entries.append({kind.list_key: obj, "changeStatus": "added"})
                continue
            head = {id_key: existing.handle["id"], "path": self._path_of(workspace_path, existing)}
            if existing.handle.get("fingerprint"):
                head["fingerprint"] = existing.handle["fingerprint"]
            if isinstance(change, Delete):
                entries.append({kind.list_key: {"name": change.name, **head}, "changeStatus": "deleted"})
            else:
                entries.append(
                    {kind.list_key: {**self._update_body(existing, change, local), **head}, "changeStatus": "updated"}
                )
        return entries

    @staticmethod
    def _update_body(existing: Entity, change: Change, ids: Mapping[str, str]) -> dict[str, Any]:
        """What an update writes: the desired object with the settings people made on it in GTM and
        the folder it was moved into (an update replaces the whole object)."""
        body = api_object(kept_on_update(existing, change.entity), ids)
        if existing.handle.get("parentFolderId"):
            body["parentFolderId"] = existing.handle["parentFolderId"]
        return body

    @staticmethod
    def _learn_ids(batch: Sequence[Change], answer: dict[str, Any], ids: dict[str, str]) -> bool:
        """Record the ids GTM gave the triggers ``batch`` created (later tags fire on them);
        False when the answer does not name every one (the workspace must then be read)."""
        made = {
            str(entry["trigger"].get("name")): str(entry["trigger"].get("triggerId"))
            for entry in answer.get("changes", [])
            if isinstance(entry.get("trigger"), dict) and entry["trigger"].get("triggerId")
        }
        ids.update(made)
        created = [c.name for c in batch if c.kind == "gtm.trigger" and isinstance(c, Create)]
        return all(name in made for name in created)

    # -- writing one change per request ---------------------------------------------------
    def _write_each(
        self,
        workspace_path: str,
        changes: Sequence[Change],
        current: dict[tuple[str, str], Entity],
        ids: dict[str, str],
        progress: Progress | None,
    ) -> None:
        if changes:
            logger.info("GTM: writing %d changes one request each", len(changes))
        for change in changes:
            self._write(workspace_path, change, current, ids)
            if progress:
                progress(change)

    @staticmethod
    def _path_of(workspace_path: str, existing: Entity) -> str:
        """An entity's path in the workspace (objects read from a version carry none)."""
        return (
            existing.handle.get("path") or f"{workspace_path}/{existing.entity_kind.collection}/{existing.handle['id']}"
        )

    def _write(self, workspace_path: str, change: Change, current: dict, ids: dict[str, str]) -> None:
        resource = self._resource("", "workspaces", KINDS[change.kind].collection)
        if isinstance(change, Delete):
            # The workspace's own path: the plan may have been read from the latest version.
            existing = current.get((change.kind, change.name))
            if existing is None:
                return  # already gone: the goal is reached
            try:
                self.call(resource.delete(path=self._path_of(workspace_path, existing)))
            except HttpError as error:
                if error.status_code != 404:  # already gone: the goal is reached
                    raise
            return
        existing = current.get((change.kind, change.name))
        if existing is None:
            created = self._create(resource, workspace_path, change, api_object(change.entity, ids), ids)
        else:
            body = self._update_body(existing, change, ids)
            created = self._update(resource, workspace_path, existing, change, body, ids)
        if change.kind == "gtm.trigger":
            ids[change.name] = str(created["triggerId"])

    def _as_written(self, change: Change, obj: dict[str, Any], ids: dict[str, str]) -> bool:
        """Whether ``obj`` (read from GTM) is what this change writes."""
        names = {v: k for k, v in ids.items()}
        return not differs(change.entity, entity_from_api(change.kind, obj, names))

    def _find(self, resource, workspace_path: str, change: Change) -> dict[str, Any] | None:
        list_key = KINDS[change.kind].list_key
        return next(
            (
                o
                for o in _pages(self.call, resource.list, list_key, parent=workspace_path)
                if o.get("name") == change.name
            ),
            None,
        )

    def _create(
        self, resource, workspace_path: str, change: Change, body: dict[str, Any], ids: dict[str, str]
    ) -> dict[str, Any]:
        """Create once. When the outcome is unknown (dropped connection, 5xx), look the entity up
        by name before trying again, so a retry never makes a duplicate. A "duplicate name" answer
        after such a failure (the HTTP library replays a request whose connection dropped) is the
        first attempt having gone through: the entity is adopted if it is exactly what was asked."""
        for _ in range(3):
            try:
                return self.call(resource.create(parent=workspace_path, body=body), idempotent=False)
            except AmbiguousWriteError:
                pass
            except HttpError as error:
                if not (error.status_code == 400 and "duplicate" in str(error.reason).lower()):
                    raise
                found = self._find(resource, workspace_path, change)
                if found is not None and self._as_written(change, found, ids):
                    return found
                raise ConcurrentEditError(
                    f"GTM {change.kind} {change.name!r} was created by someone else while goalkeeper applied; "
                    "nothing was overwritten. Run `goalkeeper plan` again"
                ) from None
            found = self._find(resource, workspace_path, change)
            if found is not None:
                return found
        raise GoalkeeperError(f"GTM kept failing to create {change.kind} {change.name!r}; run apply again")

    def _update(
        self, resource, workspace_path: str, existing: Entity, change: Change, body: dict[str, Any], ids: dict[str, str]
    ) -> dict[str, Any]:
        path = self._path_of(workspace_path, existing)
        try:
            return self.call(resource.update(path=path, fingerprint=existing.handle["fingerprint"], body=body))
        except HttpError as error:
            stale = error.status_code in (409, 412) or (
                error.status_code == 400 and "fingerprint" in str(error.reason).lower()
            )
            if not stale:
                raise
            # Our own earlier attempt may have gone through before its answer was lost, which moved
            # the fingerprint: that is no one else's edit.
            now = self.call(resource.get(path=path))
            if self._as_written(change, now, ids):
                return now
            raise ConcurrentEditError(
                f"GTM {change.kind} {change.name!r} was changed by someone else since goalkeeper read it; "
                "nothing was overwritten. Run `goalkeeper plan` again"
            ) from None

    def next_steps(self, changes: Sequence[Change], published: bool) -> list[str]:
        """Applied changes wait in goalkeeper's workspace until a version is published."""
        if published:
            return [f"The new version of container {self.container} is live: the site runs it now."]
        url = (self._workspace or {}).get("tagManagerUrl")
        return [
            f"The changes wait, unpublished, in GTM workspace {self.workspace_name!r} of container "
            f"{self.container}: nothing on the site changed yet. Check them with Preview in that workspace"
            + (f" ({url})" if url else "")
            + ", then Submit > Publish in GTM, or run `goalkeeper apply --publish`."
        ]

    # -- versions -------------------------------------------------------------------------
    def publish(self, name: str, notes: str) -> dict[str, Any]:
        """Create a container version from the workspace (which consumes it) and publish it,
        unless GTM reports a merge conflict or a compiler error. Returns the published version,
        or {} when the workspace has no changes to publish."""

        def run():
            workspace = self._workspace or self.find_workspace()
            if workspace is None:
                # Creating a version consumes its workspace and GTM brings back only the Default
                # Workspace: after goalkeeper's last publish, no workspace of its name means nothing new.
                return {}
            # A workspace apply just wrote into has changes: no need to ask.
            if not self._wrote and not self.call(self._workspaces().getStatus(path=workspace["path"])).get(
                "workspaceChange"
            ):
                return {}  # nothing new: an empty version would only clutter the history
            version = self._create_version(workspace, name, notes)
            self._workspace = None  # create_version consumed it
            # Publishing a version twice is harmless: safe to retry after a lost answer.
            published = self.call(
                self._resource("", "versions").publish(path=version["path"], fingerprint=version.get("fingerprint"))
            )
            return published.get("containerVersion", version)

        return self._guard(run)

    def _create_version(self, workspace: dict[str, Any], name: str, notes: str) -> dict[str, Any]:
        # The latest version before this one: read just before apply wrote, or now.
        before = (self._header if self._wrote and self._header is not None else self._latest_version_header()).get(
            "containerVersionId"
        )
        for _ in range(3):
            try:
                result = self.call(
                    self._workspaces().create_version(path=workspace["path"], body={"name": name, "notes": notes}),
                    idempotent=False,
                )
            except (AmbiguousWriteError, HttpError) as error:
                if isinstance(error, HttpError) and error.status_code != 404:
                    raise
                # Unknown outcome, or the workspace is gone (consumed by an attempt whose answer was
                # lost): a new latest version of this name is ours.
                latest = self._latest_version_header()
                if latest.get("containerVersionId") not in (None, before) and latest.get("name") == name:
                    return self.call(self._resource("", "versions").get(path=latest["path"]))
                if isinstance(error, HttpError):
                    raise
                continue
            sync = result.get("syncStatus") or {}
            if sync.get("mergeConflict") or result.get("mergeConflict"):
                raise GoalkeeperError(
                    f"GTM workspace {self.workspace_name!r} conflicts with the latest container version"
                    f"{self._conflict_names(result.get('mergeConflict'))}; nothing was published. Resolve the "
                    "conflicts in the GTM interface (Workspace > Update), then publish again"
                )
            if sync.get("syncError"):
                raise GoalkeeperError(
                    f"GTM could not update workspace {self.workspace_name!r} before creating the "
                    "version; nothing was published. Run apply again"
                )
            if result.get("compilerError"):
                raise GoalkeeperError(
                    "GTM could not compile the workspace, so nothing was published. Open the workspace in GTM "
                    "(Preview shows the error), fix it, and publish from there or run apply again"
                )
            if "containerVersion" not in result:
                raise GoalkeeperError("GTM created no container version; nothing was published. Run apply again")
            return result["containerVersion"]
        raise GoalkeeperError("GTM kept failing to create the container version; run apply --publish again")

    @staticmethod
    def _conflict_names(conflicts) -> str:
        names = [
            str(next((v.get("name") for v in (c.get("entityInWorkspace") or {}).values() if isinstance(v, dict)), "?"))
            for c in conflicts or []
        ]
        return f" on: {', '.join(names)}" if names else ""
