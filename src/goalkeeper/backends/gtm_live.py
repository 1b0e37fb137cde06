"""A live GTM container as a target, through the Tag Manager API v2 (google-api-python-client).

Reading costs a constant number of requests whatever the container's size: one list call per
entity type (plus pagination), never one GET per entity. goalkeeper writes into a workspace of its
own (``goalkeeper`` unless the goal file names another), created when missing, synced with the
latest container version before writing. Every update carries the fingerprint goalkeeper read, so
an edit someone else made in between is reported instead of overwritten; before writing, the
entities the plan touches are read again and compared, which covers deletions (the API takes no
fingerprint on delete).
"""

from __future__ import annotations

import socket
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import httplib2
from googleapiclient.errors import HttpError

from goalkeeper.backends.base import Backend, Progress
from goalkeeper.backends.calls import AmbiguousWriteError, Calls, Failure, guard
from goalkeeper.backends.gtm_common import api_object, entity_from_api, trigger_names
from goalkeeper.backends.ratelimit import Clock, SlidingWindowLimiter, is_rate_error
from goalkeeper.core.builtins import BUILTIN_TRIGGERS
from goalkeeper.core.changes import Change, Create, Delete
from goalkeeper.core.diff import differs
from goalkeeper.core.errors import GoalkeeperError, Problem, StalePlanError
from goalkeeper.core.kinds import KINDS, kinds_of
from goalkeeper.core.model import Entity, digest
from goalkeeper.core.state import State

T = TypeVar("T")
GTM_SCOPES = (
    "https://www.googleapis.com/auth/tagmanager.edit.containers",
    "https://www.googleapis.com/auth/tagmanager.edit.containerversions",
    "https://www.googleapis.com/auth/tagmanager.publish",
)
WORKSPACE_LIMIT_HINT = (
    "a GTM container on a free account has at most 3 workspaces. Delete an unused workspace in "
    "GTM (Workspaces menu), or set target.gtm.workspace to the name of an existing one"
)
# Resources built per client service (see GTMLiveBackend._resource).
_RESOURCES: weakref.WeakKeyDictionary[Any, dict[tuple[str, ...], Any]] = weakref.WeakKeyDictionary()
CONNECTION_ERRORS = (ConnectionError, socket.timeout, TimeoutError, httplib2.HttpLib2Error, OSError)


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
            "(gcloud auth application-default login --scopes=...)"
        )
    return (
        f"permission denied ({message}). In GTM, Admin > User Management, give the Google account or "
        f"service account goalkeeper runs as the {permission} permission on this container; the "
        f"credentials also need the OAuth scope https://www.googleapis.com/auth/{scope}"
    )


class GTMPermissionError(GoalkeeperError):
    """The credentials may not do what a request asked (401, or a 403 that is no rate error)."""

    exit_code = 1


def classify(error: BaseException, request: Any = None) -> Failure:
    """What a failed Tag Manager API request means (see goalkeeper.backends.calls). A 401, or a 403
    that is no rate error, raises GTMPermissionError at once, naming what ``request`` needed."""
    if isinstance(error, HttpError):
        status = error.status_code
        reasons = [d.get("reason", "") for d in (error.error_details or []) if isinstance(d, dict)]
        if is_rate_error(status, reasons, str(error.reason)):
            return Failure.RATE
        if status in (401, 403):
            method, uri = (request.method, request.uri) if request is not None else ("GET", "")
            raise GTMPermissionError("GTM: " + permission_hint(status, str(error.reason), method, uri)) from None
        return Failure.SERVER if status >= 500 else Failure.FINAL
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
    """The GoalkeeperError for a Tag Manager API error that retries did not cure."""
    if not isinstance(error, HttpError):
        return None
    status = error.status_code
    if status in (401, 403):
        return GTMPermissionError(f"GTM: {permission_hint(status, str(error.reason))}")
    if status == 404:
        return GoalkeeperError(f"GTM: not found: {error.reason}; check target.gtm.account and target.gtm.container")
    if status == 429:
        return GoalkeeperError(
            "GTM: the API quota (25 requests per 100 seconds, 10,000 a day per Google Cloud "
            "project) stayed exhausted; wait, then run goalkeeper again. Nothing is lost: "
            "the next apply carries on from where this one stopped"
        )
    return GoalkeeperError(f"GTM API error {status}: {error.reason}")


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
    ):
        self.service = service
        self.account = str(account)
        self.container = str(container)
        self.workspace_name = workspace
        self.clock = clock or Clock()
        self.limiter = limiter or SlidingWindowLimiter(clock=self.clock)
        self.calls = Calls(classify, self.clock, limiter=self.limiter, system="GTM")
        self._container_path: str | None = None
        self._container: dict[str, Any] | None = None
        self._variable_names: set[str] = set()  # the container's own variables, from the last read
        self._workspace: dict[str, Any] | None = None
        self._snapshot: dict[str, Any] = {}
        try:
            self._resources = _RESOURCES.setdefault(service, {})
        except TypeError:  # a service that cannot be weakly referenced
            self._resources = {}

    def seconds_left(self, changes: int) -> float:
        """About how long ``changes`` more writes take under the GTM quota (one write each)."""
        return self.limiter.seconds_for(changes)

    def call(self, request: Any, *, idempotent: bool = True) -> Any:
        """Execute one API request through the shared limiter and retries."""
        return self.calls.send(request.execute, idempotent=idempotent, classify=lambda e: classify(e, request))

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

    def problems_with(self, desired: State) -> list[Problem]:
        """What this container cannot take: goal kinds make web triggers and tags, which a server
        container does not run (GTM would take them, and they would never fire)."""
        if not any(e.target == "gtm" for e in desired):
            return []

        def container():
            path = self.container_path()
            if self._container is None:
                self._container = self.call(self._containers().get(path=path))
            return self._container

        if "server" in [str(c).lower() for c in self._guard(container).get("usageContext", [])]:
            return [
                Problem(
                    f"GTM container {self.container} is a server container; goalkeeper's goals need a "
                    "web container (set target.gtm.container to the web container the site loads)"
                )
            ]
        # GTM refuses to enable a built-in variable while a variable of the container has its name
        # (older containers made their own "Video URL" before the YouTube built-ins existed).
        return [
            Problem(
                f"goal {', '.join(b.goals)} needs GTM's built-in variable {b.name!r}, but container {self.container} "
                f"has a variable of its own named {b.name!r}, and GTM cannot enable the built-in while it exists. "
                "Rename that variable in GTM (and what refers to it), then run goalkeeper again"
            )
            for b in desired.of_kind("gtm.builtin_variable")
            if b.name in self._variable_names
        ]

    def _guard(self, action: Callable[[], T]) -> T:
        """Turn the API's errors into messages that say what to do."""
        return guard(action, system="GTM", where="workspace", connection_errors=CONNECTION_ERRORS, explain=explain)

    # -- reading --------------------------------------------------------------------------
    def find_workspace(self) -> dict[str, Any] | None:
        workspaces = _pages(self.call, self._workspaces().list, "workspace", parent=self.container_path())
        return next((w for w in workspaces if w.get("name") == self.workspace_name), None)

    def _read_workspace(self, path: str) -> dict[str, list[dict[str, Any]]]:
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
        """What a new workspace would start from: the latest container version."""
        if not header.get("containerVersionId") or header.get("containerVersionId") == "0":
            return {kind.key: [] for kind in kinds_of("gtm")}
        version = self.call(self._resource("", "versions").get(path=header["path"]))
        return {kind.key: version.get(kind.list_key, []) for kind in kinds_of("gtm")}

    def _read_synced(self, path: str, header: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """The workspace as apply will find it once synced: the latest version with the workspace's
        own changes on top. The workspace alone misses a version published from elsewhere since it
        was created (edits by hand that a plan must show, and a drift check must catch)."""
        changes = self.call(self._workspaces().getStatus(path=path)).get("workspaceChange", [])
        version = self._read_version(header)
        if not changes:
            return version
        workspace = self._read_workspace(path)
        for kind in kinds_of("gtm"):
            key, id_key = kind.list_key, kind.id_key or "type"  # built-in variables are known by type
            touched = {c[key].get(id_key): c.get("changeStatus") for c in changes if key in c}
            if touched:
                mine = [o for o in workspace.get(kind.key, []) if touched.get(o.get(id_key)) in ("added", "updated")]
                version[kind.key] = [o for o in version.get(kind.key, []) if o.get(id_key) not in touched] + mine
        return version

    def read(self) -> State:
        def read_all():
            # The latest version is part of what a plan rests on: a version published meanwhile
            # would be synced into the workspace before writing, so a saved plan must notice it.
            header = self._latest_version_header()
            self._workspace = self.find_workspace()
            listing = (
                self._read_synced(self._workspace["path"], header) if self._workspace else self._read_version(header)
            )
            return header, listing

        header, listing = self._guard(read_all)
        entities = self._entities(listing)
        enabled = {e.name for e in entities if e.kind == "gtm.builtin_variable"}
        self._variable_names = {e.name for e in entities if e.kind == "gtm.variable"} - enabled
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
    def ensure_workspace(self) -> dict[str, Any]:
        workspace = self.find_workspace()
        if workspace is None:
            workspace = self._create_workspace()
        self._sync(workspace)
        self._workspace = workspace
        return workspace

    def _create_workspace(self) -> dict[str, Any]:
        """Create goalkeeper's workspace; after an ambiguous failure, look it up by name first."""
        body = {"name": self.workspace_name, "description": "Changes made by goalkeeper apply"}
        for _ in range(3):
            try:
                return self.call(self._workspaces().create(parent=self.container_path(), body=body), idempotent=False)
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
                return found
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
        changes = [c for c in changes if c.target == "gtm"]
        if not changes:
            return

        def run():
            workspace = self.ensure_workspace()
            current = {(e.kind, e.name): e for e in State.of(self._entities(self._read_workspace(workspace["path"])))}
            self._check_unmoved(changes, current)
            ids = {**BUILTIN_TRIGGERS, **{e.name: e.handle["id"] for e in current.values() if e.kind == "gtm.trigger"}}
            self._write_builtins(workspace["path"], changes, progress)
            for change in changes:
                if change.kind != "gtm.builtin_variable":
                    self._write(workspace["path"], change, current, ids)
                    if progress:
                        progress(change)

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
                        },
                    )
                )
        return out

    def _check_unmoved(self, changes: Iterable[Change], current: dict) -> None:
        """Every entity the plan updates or deletes must still be as goalkeeper read it. Bodies are
        compared, not fingerprints: a workspace created just now holds the same entities as the
        version the plan was read from, under new fingerprints."""
        moved = []
        for change in changes:
            before, _ = change.ends
            if change.kind == "gtm.builtin_variable":
                continue
            if before is not None:
                now = current.get((change.kind, change.name))
                if now is None or not now.same_body(before):
                    moved.append(f"{change.kind} {change.name!r}")
            elif (change.kind, change.name) in current:
                moved.append(f"{change.kind} {change.name!r} (created meanwhile)")
        if moved:
            raise ConcurrentEditError(
                "someone changed the GTM workspace since goalkeeper read it: "
                + ", ".join(moved)
                + ". Nothing was written; run `goalkeeper plan` again and review the new plan"
            )

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

    def _write(self, workspace_path: str, change: Change, current: dict, ids: dict[str, str]) -> None:
        resource = self._resource("", "workspaces", KINDS[change.kind].collection)
        if isinstance(change, Delete):
            # The workspace's own path: the plan may have been read from the latest version.
            existing = current.get((change.kind, change.name))
            if existing is None:
                return  # already gone: the goal is reached
            try:
                self.call(resource.delete(path=existing.handle["path"]))
            except HttpError as error:
                if error.status_code != 404:  # already gone: the goal is reached
                    raise
            return
        body = api_object(change.entity, ids)
        existing = current.get((change.kind, change.name))
        if existing is None:
            created = self._create(resource, workspace_path, change, body, ids)
        else:
            created = self._update(resource, existing, change, body, ids)
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
        self, resource, existing: Entity, change: Change, body: dict[str, Any], ids: dict[str, str]
    ) -> dict[str, Any]:
        try:
            return self.call(
                resource.update(path=existing.handle["path"], fingerprint=existing.handle["fingerprint"], body=body)
            )
        except HttpError as error:
            stale = error.status_code in (409, 412) or (
                error.status_code == 400 and "fingerprint" in str(error.reason).lower()
            )
            if not stale:
                raise
            # Our own earlier attempt may have gone through before its answer was lost, which moved
            # the fingerprint: that is no one else's edit.
            now = self.call(resource.get(path=existing.handle["path"]))
            if self._as_written(change, now, ids):
                return now
            raise ConcurrentEditError(
                f"GTM {change.kind} {change.name!r} was changed by someone else since goalkeeper read it; "
                "nothing was overwritten. Run `goalkeeper plan` again"
            ) from None

    # -- versions -------------------------------------------------------------------------
    def publish(self, name: str, notes: str) -> dict[str, Any]:
        """Create a container version from the workspace (which consumes it) and publish it,
        unless GTM reports a merge conflict or a compiler error. Returns the published version,
        or {} when the workspace has no changes to publish."""

        def run():
            workspace = self._workspace or self.find_workspace()
            if workspace is None:
                raise GoalkeeperError(
                    f"there is no GTM workspace {self.workspace_name!r} to publish: goalkeeper has no unpublished "
                    "changes in this container"
                )
            if not self.call(self._workspaces().getStatus(path=workspace["path"])).get("workspaceChange"):
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
        before = self._latest_version_header().get("containerVersionId")
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
