"""GTMLiveBackend against the fake Tag Manager API, through google-api-python-client."""

from __future__ import annotations

import contextlib

import pytest

from goalkeeper.backends.gtm_live import ConcurrentEditError, GTMLiveBackend, GTMPermissionError
from goalkeeper.core.errors import GoalkeeperError

from .conftest import ACCOUNT, CHECKOUT, CLICK, THANKS, VIDEO, names, workspace_named

WRITES = ("POST", "PUT", "DELETE")


def gtm_requests(fake, since: int = 0):
    return [r for r in fake.requests[since:] if r.api == "gtm"]


def unfingerprinted(entity: dict | None) -> dict | None:
    return None if entity is None else {k: v for k, v in entity.items() if k != "fingerprint"}


def entity_path(fake, container_id, vkey, name, workspace="goalkeeper"):
    ws = workspace_named(fake, container_id, workspace)
    eid = next(i for i, e in ws.snap.entities[vkey].items() if e["name"] == name)
    kind = {"tag": "tags", "trigger": "triggers", "variable": "variables"}[vkey]
    return f"accounts/{ACCOUNT}/containers/{container_id}/workspaces/{ws.id}/{kind}/{eid}"


# -- reading: a constant number of list calls ------------------------------------------------


@pytest.mark.parametrize("workspace", ["goalkeeper", None], ids=["in-goalkeepers-workspace", "from-the-latest-version"])
@pytest.mark.parametrize("size", [10, 100, 1000])
def test_plan_reads_by_list_calls_whatever_the_size(fake_google, fake_clock, size, workspace):
    seeded = fake_google.seed_synthetic_container(size)
    ws_path = seeded.workspace_path
    backend = GTMLiveBackend(
        fake_google.gtm_service(), seeded.account_id, seeded.container_id, workspace or "absent", clock=fake_clock
    )
    if workspace:
        fake_google.gtm.add_workspace(
            fake_google.gtm.accounts[seeded.account_id].containers[seeded.container_id], workspace
        )
    start = fake_google.request_count
    state = backend.read()
    requests = gtm_requests(fake_google, start)
    assert len(state.entities) >= size * 0.9
    assert all(r.method == "GET" for r in requests)
    # never one GET per entity: every request is a list, a version or the workspace list
    singles = [r for r in requests if r.path.rsplit("/", 2)[-2] in ("tags", "triggers", "variables", "folders")]
    assert singles == []
    pages = -(-size // 200)  # the fake's page size is 200, like a list call on the real API
    # the latest version header, the workspace list, then the lists (or the version itself)
    assert len(requests) <= (2 + 5 * pages if workspace else 3)
    assert ws_path  # the seeded Default Workspace is untouched


def test_plan_of_an_absent_workspace_on_a_container_without_versions(fake_google, fake_clock):
    container = fake_google.gtm.add_container(ACCOUNT, "1001", "GTM-TEST01")
    backend = GTMLiveBackend(fake_google.gtm_service(), ACCOUNT, "1001", clock=fake_clock)
    assert backend.read().entities == () and container.latest_version_id is None


def test_the_container_can_be_named_by_its_public_id(live, fake_google):
    project = live.project([CLICK], ga4=False)
    project.backends[0].container = "GTM-ABC123"
    project.apply(project.plan())
    assert workspace_named(fake_google, live.container_id) is not None


# -- applying ------------------------------------------------------------------------------


def test_apply_then_plan_says_no_changes_and_one_write_per_change(live, fake_google):
    project = live.project([CLICK, CHECKOUT, VIDEO], ga4=False)
    plan = project.plan()
    start = fake_google.request_count
    done = []
    project.apply(plan, done.append)
    assert [c.name for c in done] == [c.name for c in plan.changes if c.name in {d.name for d in done}]
    assert len(done) == len(plan.changes)
    writes = [
        r
        for r in gtm_requests(fake_google, start)
        if r.method in WRITES and not r.path.endswith((":sync", "/workspaces"))
    ]
    builtins = [c for c in plan.changes if c.kind == "gtm.builtin_variable"]
    assert builtins and len(writes) == len(plan.changes) - len(builtins) + 1  # one request enables every built-in
    assert live.project([CLICK, CHECKOUT, VIDEO], ga4=False).plan().empty
    ws = workspace_named(fake_google, live.container_id)
    default = live.container.workspaces["1"]
    # the unmanaged entities came along unchanged
    unmanaged = [(vkey, eid) for vkey, entities in default.snap.entities.items() for eid in entities]
    assert {(vkey, eid): unfingerprinted(ws.snap.entities[vkey].get(eid)) for vkey, eid in unmanaged} == {
        (vkey, eid): unfingerprinted(default.snap.entities[vkey][eid]) for vkey, eid in unmanaged
    }


def test_updates_carry_the_fingerprint_and_deletes_remove(live, fake_google):
    live.applied([CLICK, THANKS], ga4=False)
    project = live.project([dict(CLICK, url_contains="/cart")], ga4=False)
    plan = project.plan()
    assert {c.action for c in plan.changes} == {"update", "delete"}
    start = fake_google.request_count
    project.apply(plan)
    puts = [r for r in gtm_requests(fake_google, start) if r.method == "PUT"]
    assert puts and all(r.query.get("fingerprint", [""])[0].isdigit() for r in puts)
    assert [r.method for r in gtm_requests(fake_google, start)].count("DELETE") == 2
    assert live.project([dict(CLICK, url_contains="/cart")], ga4=False).plan().empty


def test_edit_between_plan_and_apply_is_reported_and_nothing_written(live, fake_google):
    live.applied([CLICK], ga4=False)
    project = live.project([dict(CLICK, url_contains="/cart")], ga4=False)
    plan = project.plan()
    path = entity_path(fake_google, live.container_id, "trigger", "Link click - checkout_click")
    fake_google.gtm.edit_entity(path, notes="edited by a colleague")
    start = fake_google.request_count
    with pytest.raises(ConcurrentEditError, match="checkout_click.*plan"):
        project.apply(plan)
    assert not [r for r in gtm_requests(fake_google, start) if r.method in ("PUT", "DELETE")]
    assert fake_google.gtm.get_entity(path)["notes"] == "edited by a colleague"


def test_edit_between_reread_and_write_is_caught_by_the_fingerprint(live, fake_google):
    live.applied([CLICK], ga4=False)
    project = live.project([dict(CLICK, url_contains="/cart")], ga4=False)
    plan = project.plan()
    path = entity_path(fake_google, live.container_id, "trigger", "Link click - checkout_click")
    # apply: list workspaces, sync, 5 lists, then the first PUT
    fake_google.faults.before_request(
        fake_google.request_count + 8, lambda fake: fake.gtm.edit_entity(path, notes="edited by a colleague")
    )
    with pytest.raises(ConcurrentEditError, match="someone else"):
        project.apply(plan)
    assert fake_google.requests[-2].method == "PUT" and fake_google.requests[-2].status == 409
    assert fake_google.gtm.get_entity(path)["notes"] == "edited by a colleague"


def test_deleted_entity_edited_meanwhile_is_not_deleted(live, fake_google):
    live.applied([CLICK, THANKS], ga4=False)
    project = live.project([CLICK], ga4=False)
    plan = project.plan()
    path = entity_path(fake_google, live.container_id, "tag", "GA4 event - thanks_page_view")
    fake_google.gtm.edit_entity(path, notes="still needed")
    with pytest.raises(ConcurrentEditError):
        project.apply(plan)
    assert fake_google.gtm.get_entity(path)["notes"] == "still needed"


# -- retries, ambiguity, rate limits -------------------------------------------------------


def test_reads_retry_server_errors_and_dropped_connections(live, fake_google, fake_clock):
    project = live.project([CLICK], ga4=False)
    fake_google.faults.add(kind="status", status=503, method="GET", path_contains="/workspaces", times=2)
    fake_google.faults.add(kind="drop", method="GET", path_contains="version_headers", times=2)
    t0 = fake_clock.now()
    assert not project.plan().empty
    assert fake_clock.now() - t0 >= 2  # backed off on the simulated clock


def test_create_that_failed_with_503_is_looked_up_before_it_is_retried(live, fake_google):
    project = live.project([CLICK], ga4=False)
    plan = project.plan()
    fake_google.faults.add(kind="status", status=503, method="POST", path_contains="/triggers", times=1)
    start = fake_google.request_count
    project.apply(plan)
    calls = [(r.method, r.path.rsplit("/", 1)[-1]) for r in gtm_requests(fake_google, start)]
    i = calls.index(("POST", "triggers"))
    assert calls[i + 1] == ("GET", "triggers") and calls[i + 2] == ("POST", "triggers")
    assert names(workspace_named(fake_google, live.container_id))["trigger"].count("Link click - checkout_click") == 1


@pytest.mark.parametrize("what", ["triggers", "tags", "variables"])
def test_create_that_went_through_before_the_connection_dropped_is_adopted(live, fake_google, what):
    """The server made the entity, then the connection dropped: no duplicate, no error."""
    project = live.project([CLICK], ga4=False)
    plan = project.plan()
    project.apply(plan)  # first, learn the bodies goalkeeper writes
    ws = workspace_named(fake_google, live.container_id)
    made = {vkey: dict(entities) for vkey, entities in ws.snap.entities.items()}
    del live.container.workspaces[ws.id]
    vkey = what[:-1]
    fake_google.clear_log()
    project = live.project([CLICK], ga4=False)
    plan = project.plan()
    new_entity = {}

    def went_through(fake):
        record = fake.requests[-1]
        if record.method == "POST" and record.path.endswith("/" + what) and not new_entity:
            target = workspace_named(fake, live.container_id)
            ours = {
                "trigger": "Link click - checkout_click",
                "tag": "GA4 event - checkout_click",
                "variable": "goalkeeper - GA4 Measurement ID",
            }[vkey]
            made_one = next(e for e in made[vkey].values() if e["name"] == ours)
            body = {k: v for k, v in made_one.items() if k not in (f"{vkey}Id", "fingerprint")}
            old_names = {i: t["name"] for i, t in made["trigger"].items()}
            new_ids = {t["name"]: i for i, t in target.snap.entities["trigger"].items()}
            if "firingTriggerId" in body:
                body["firingTriggerId"] = [new_ids.get(old_names.get(i), i) for i in body["firingTriggerId"]]
            eid = fake.gtm.accounts[ACCOUNT].containers[live.container_id].new_entity_id()
            target.snap.entities[vkey][eid] = {f"{vkey}Id": eid, **body, "fingerprint": fake.gtm.fingerprint()}
            new_entity["id"] = eid
            fake.faults.add(kind="drop", at_request=record.n)

    for n in range(fake_google.request_count + 1, fake_google.request_count + 30):
        fake_google.faults.before_request(n, went_through)
    project.apply(plan)
    assert new_entity
    # the HTTP library re-sent the dropped request and GTM refused the duplicate name: adopted
    assert [r.status for r in fake_google.requests if r.path.endswith("/" + what) and r.method == "POST"] == [None, 400]
    assert names(workspace_named(fake_google, live.container_id)) == {
        k: sorted(e["name"] for e in v.values()) for k, v in made.items()
    }
    assert live.project([CLICK], ga4=False).plan().empty


def test_limiter_keeps_a_large_apply_under_the_quota(fake_google, fake_clock, live):
    fake_google.quota.enabled = True
    goals = [dict(CLICK, name=f"click_{i}", url_contains=f"/p{i}") for i in range(15)]
    live.applied(goals, ga4=False)
    assert fake_google.quota.refused == 0
    times = [r.time for r in gtm_requests(fake_google)]
    assert len(times) > 40
    assert max(sum(1 for t in times if s <= t < s + 100) for s in times) <= 25
    assert fake_clock.now() - times[0] >= 100  # the simulated clock advanced instead of sleeping
    assert live.limiter.waited > 0


@pytest.mark.parametrize("mode", ["429", "403"])
def test_quota_used_by_another_tool_is_waited_out(fake_google, fake_clock, live, mode):
    fake_google.quota.enabled = True
    fake_google.quota.mode = mode
    for _ in range(25):  # another tool on the same Cloud project used the whole window
        fake_google.quota.check()
    live.applied([CLICK, CHECKOUT], ga4=False)
    assert fake_google.quota.refused > 0
    assert {r.status for r in gtm_requests(fake_google)} >= {200, int(mode)}
    assert live.project([CLICK, CHECKOUT], ga4=False).plan().empty


def test_rate_limit_that_never_lifts_gives_a_clear_error(fake_google, fake_clock, live):
    project = live.project([CLICK], ga4=False)
    fake_google.faults.add(kind="status", status=429, api="gtm", times=None)
    with pytest.raises(GoalkeeperError, match="quota"):
        project.plan()


def test_permission_denied_names_the_permission_and_scope(live, fake_google):
    project = live.project([CLICK], ga4=False)
    plan = project.plan()
    fake_google.faults.add(
        kind="status", status=403, method="POST", message="The caller does not have permission", times=None
    )
    with pytest.raises(GTMPermissionError) as error:
        project.apply(plan)
    assert "Edit permission" in str(error.value) and "tagmanager.edit.containers" in str(error.value)
    assert "User Management" in str(error.value)


def test_publish_needs_the_publish_permission(live, fake_google):
    project = live.applied([CLICK], ga4=False)
    fake_google.faults.add(
        kind="status", status=403, path_contains=":publish", message="The caller does not have permission"
    )
    with pytest.raises(GTMPermissionError, match="Publish permission.*tagmanager.publish"):
        project.publisher().publish("v", "n")


# -- workspace life cycle and publishing ---------------------------------------------------


def test_workspace_name_is_configurable_and_created_once(live, fake_google):
    live.applied([CLICK], workspace="tracking", ga4=False)
    live.applied([CLICK, CHECKOUT], workspace="tracking", ga4=False)
    workspaces = live.container.workspaces.values()
    assert sorted(w.name for w in workspaces) == ["Default Workspace", "tracking"]


def test_workspace_creation_that_dropped_is_not_duplicated(live, fake_google):
    project = live.project([CLICK], ga4=False)
    plan = project.plan()
    fake_google.faults.add(kind="drop", method="POST", path_contains="/workspaces", times=2)
    project.apply(plan)  # httplib2 re-sends once; goalkeeper then looks the workspace up
    workspaces = live.container.workspaces.values()
    assert [w.name for w in workspaces].count("goalkeeper") == 1


def test_three_workspace_limit_gives_a_clear_error(live, fake_google):
    container = live.container
    fake_google.gtm.add_workspace(container, "Alice")
    fake_google.gtm.add_workspace(container, "Bob")
    project = live.project([CLICK], ga4=False)
    with pytest.raises(GoalkeeperError, match="at most 3 workspaces.*target.gtm.workspace"):
        project.apply(project.plan())
    assert len(container.workspaces) == 3


def _publish_new_version(fake, container_id, edit):
    container = fake.gtm.accounts[ACCOUNT].containers[container_id]
    snap = container.versions[container.latest_version_id].snap.copy()
    edit(snap)
    return fake.gtm.add_version(container, snap, name="by a colleague", live=True)


def test_out_of_date_workspace_is_synced_before_writing(live, fake_google):
    live.applied([CLICK], ga4=False)

    def rename_unmanaged(snap):
        tag = next(iter(snap.entities["tag"].values()))
        tag["notes"] = "changed in another workspace and published"

    _publish_new_version(fake_google, live.container_id, rename_unmanaged)
    project = live.applied([CLICK, CHECKOUT], ga4=False)
    ws = workspace_named(fake_google, live.container_id)
    assert any(t.get("notes") == "changed in another workspace and published" for t in ws.snap.entities["tag"].values())
    assert project.publisher().publish("v", "n")["containerVersionId"]


def test_merge_conflict_is_reported_with_the_entities(live, fake_google):
    live.applied([CLICK], ga4=False)
    ws = workspace_named(fake_google, live.container_id)
    eid, tag = next((i, t) for i, t in ws.snap.entities["tag"].items() if not t["name"].startswith("GA4 event"))
    fake_google.gtm.edit_entity(
        f"accounts/{ACCOUNT}/containers/{live.container_id}/workspaces/{ws.id}/tags/{eid}", notes="mine"
    )
    _publish_new_version(fake_google, live.container_id, lambda snap: snap.entities["tag"][eid].update(notes="theirs"))
    project = live.project([CLICK, CHECKOUT], ga4=False)
    with pytest.raises(GoalkeeperError, match=f"out of date.*{tag['name']}.*nothing was written"):
        project.apply(project.plan())


def test_publish_creates_a_version_consuming_the_workspace(live, fake_google):
    project = live.applied([CLICK], ga4=False)
    version = project.publisher().publish("release 1", "notes 1")
    container = live.container
    assert container.live_version_id == version["containerVersionId"]
    assert container.versions[version["containerVersionId"]].name == "release 1"
    assert live.project([CLICK], ga4=False).plan().empty  # the published version holds the goals
    project = live.applied([CLICK, CHECKOUT], ga4=False)  # and goalkeeper's workspace is back for the next change
    assert project.publisher().publish("release 2", "")["containerVersionId"] != version["containerVersionId"]


def test_compiler_error_stops_the_publish(live, fake_google):
    project = live.applied([CLICK], ga4=False)
    path = entity_path(fake_google, live.container_id, "tag", "GA4 event - checkout_click")
    fake_google.gtm.edit_entity(path, firingTriggerId=["999999"])
    container = live.container
    live_before = container.live_version_id
    with pytest.raises(GoalkeeperError, match="could not compile"):
        project.publisher().publish("broken", "")
    assert container.live_version_id == live_before


def test_publish_with_a_lost_create_version_answer_does_not_make_two_versions(live, fake_google):
    project = live.applied([CLICK], ga4=False)
    container = live.container
    count = len(container.versions)
    fired = []

    def went_through(fake):
        record = fake.requests[-1]
        if record.path.endswith(":create_version") and not fired:
            fired.append(record.n)
            ws = workspace_named(fake, live.container_id)
            fake.gtm.create_version(container, ws, "release", "")
            fake.faults.add(kind="drop", at_request=record.n)

    for n in range(fake_google.request_count + 1, fake_google.request_count + 6):
        fake_google.faults.before_request(n, went_through)
    version = project.publisher().publish("release", "")
    assert len(container.versions) == count + 1
    assert container.live_version_id == version["containerVersionId"]


# -- an apply interrupted at any request converges when run again -------------------------

SCENARIOS = {
    # a first apply into a new workspace: workspace, built-ins, variable, triggers, tags, key events
    "fresh": ([], [CLICK, THANKS]),
    # a later apply: updates, creates and deletes in GTM and GA4
    "change": ([CLICK, THANKS], [dict(CLICK, url_contains="/cart"), CHECKOUT]),
}
REQUESTS = {"fresh": 16, "change": 15}  # requests of each scenario's apply, checked below


def _prepared(live, scenario):
    before, after = SCENARIOS[scenario]
    if before:
        live.applied(before)
    project = live.project(after)
    return project, project.plan()


def _gtm_unmanaged(fake, container_id):
    ws = workspace_named(fake, container_id)
    return {
        (vkey, e["name"]): {k: v for k, v in e.items() if k != "fingerprint"}
        for vkey, entities in ws.snap.entities.items()
        for e in entities.values()
        if "goalkeeper" not in str(e.get("notes", ""))
        and not e["name"].startswith(("GA4 event - ", "Link click - ", "Page view - ", "goalkeeper - "))
    }


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_each_apply_scenario_makes_the_requests_counted_for_it(live, fake_google, scenario):
    project, plan = _prepared(live, scenario)
    start = fake_google.request_count
    project.apply(plan)
    assert fake_google.request_count - start == REQUESTS[scenario]


@pytest.mark.parametrize("fault", ["drop", "503"])
@pytest.mark.parametrize("scenario,position", [(s, n) for s in sorted(SCENARIOS) for n in range(1, REQUESTS[s] + 1)])
def test_an_apply_interrupted_at_any_request_converges_when_run_again(live, fake_google, scenario, position, fault):
    project, plan = _prepared(live, scenario)
    default_ws = live.container.workspaces["1"]
    unmanaged = {
        (vkey, e["name"]): unfingerprinted(e)
        for vkey, entities in default_ws.snap.entities.items()
        for e in entities.values()
    }
    at = fake_google.request_count + position
    if fault == "503":
        fake_google.faults.add(kind="status", status=503, at_request=at)
    else:

        def drop(fake):
            record = fake.requests[-1]
            fake.faults.add(kind="drop", at_request=record.n)
            if record.api == "gtm":  # httplib2 re-sends once after a dropped connection: drop that too
                fake.faults.add(kind="drop", at_request=record.n + 1)

        fake_google.faults.before_request(at, drop)
    with contextlib.suppress(GoalkeeperError):  # reported clearly; the next run carries on
        project.apply(plan)
    assert any(r.fault for r in fake_google.requests), "the fault was injected"

    again = live.project(SCENARIOS[scenario][1])
    again.apply(again.plan())
    assert live.project(SCENARIOS[scenario][1]).plan().empty

    ws = workspace_named(fake_google, live.container_id)
    assert {vkey: listed for vkey, listed in names(ws).items() if len(listed) != len(set(listed))} == {}, "duplicates"
    now = {
        (vkey, e["name"]): unfingerprinted(e) for vkey, entities in ws.snap.entities.items() for e in entities.values()
    }
    assert {key: now.get(key) for key in unmanaged} == unmanaged
    key_events = [k["eventName"] for k in fake_google.ga4.items("properties/123456789", "keyEvents")]
    assert len(key_events) == len(set(key_events))


def test_time_left_follows_the_quota_pace(fake_google, fake_clock, live):
    goals = [dict(CLICK, name=f"click_{i}", url_contains=f"/p{i}") for i in range(15)]
    project = live.project(goals, ga4=False)
    plan = project.plan()
    estimate = project.seconds_left(plan.changes)
    start = fake_clock.now()
    project.apply(plan)
    taken = fake_clock.now() - start
    # one write a change, 25 per 100 s: the estimate is the quota's, within a window of the truth
    assert estimate == pytest.approx(taken, abs=100)
    assert estimate > 0 and project.seconds_left([]) == 0


def test_plan_shows_a_version_published_from_another_workspace(live, fake_google):
    # After goalkeeper's own publish, a colleague changes goalkeeper's trigger in another workspace
    # and publishes: goalkeeper's workspace is older than the live version, and a plan (or a drift
    # check) must show the edit instead of reading the out-of-date workspace.
    project = live.applied([CLICK], ga4=False)
    project.publisher().publish("v1", "")
    ws = workspace_named(fake_google, live.container_id)
    eid = next(i for i, t in ws.snap.entities["trigger"].items() if t["name"] == "Link click - checkout_click")

    def by_hand(snap):
        snap.entities["trigger"][eid]["filter"][0]["parameter"][1]["value"] = "/by-hand"

    _publish_new_version(fake_google, live.container_id, by_hand)
    plan = live.project([CLICK], ga4=False).plan()
    assert [(c.action, c.name) for c in plan.changes] == [("update", "Link click - checkout_click")]
    live.project([CLICK], ga4=False).apply(plan)
    assert live.project([CLICK], ga4=False).plan().empty


def test_plan_keeps_the_workspace_changes_on_top_of_a_newer_version(live, fake_google):
    live.applied([CLICK], ga4=False)  # unpublished: goalkeeper's workspace has changes
    _publish_new_version(
        fake_google,
        live.container_id,
        lambda snap: next(iter(snap.entities["tag"].values())).update(notes="published by hand"),
    )
    assert live.project([CLICK], ga4=False).plan().empty


def test_removing_a_goal_after_the_workspace_was_consumed(live, fake_google):
    # The plan is read from the latest version when goalkeeper's workspace is gone (publishing
    # consumed it, or someone deleted it): the deletes still find what to delete.
    project = live.applied([CLICK, THANKS], ga4=False)
    project.publisher().publish("v1", "")
    del live.container.workspaces[workspace_named(fake_google, live.container_id).id]
    live.applied([CLICK], ga4=False)
    assert live.project([CLICK], ga4=False).plan().empty
    assert "Page view - thanks_page_view" not in names(workspace_named(fake_google, live.container_id))["trigger"]


def test_a_server_container_is_refused_before_anything_is_written(fake_google, fake_clock, tmp_path):
    from .conftest import Live

    container = fake_google.gtm.add_container(ACCOUNT, "1002", "GTM-SERVER1", usage_context=("server",))
    start = fake_google.request_count
    with pytest.raises(GoalkeeperError, match="GTM-SERVER1 is a server container.*web container"):
        Live(fake_google, fake_clock, "GTM-SERVER1", tmp_path).project([CLICK], ga4=False).plan()
    assert [r for r in fake_google.requests[start:] if r.method != "GET"] == []
    assert container.workspaces and all(w.name != "goalkeeper" for w in container.workspaces.values())


def test_a_container_variable_named_like_a_needed_built_in_is_reported_before_writing(live, fake_google):
    # GTM will not enable the built-in "Click URL" while the container has a variable of that name.
    container = live.container
    snap = container.versions[container.latest_version_id].snap.copy()
    snap.entities["variable"]["901"] = {
        "variableId": "901",
        "name": "Click URL",
        "type": "v",
        "fingerprint": "1",
        "parameter": [{"key": "name", "type": "template", "value": "gtm.elementUrl"}],
    }
    fake_google.gtm.add_version(container, snap, name="old habits", live=True)
    start = fake_google.request_count
    with pytest.raises(GoalkeeperError, match="goal checkout_click needs GTM's built-in variable 'Click URL'.*Rename"):
        live.project([CLICK], ga4=False).plan()
    assert [r for r in fake_google.requests[start:] if r.method != "GET"] == []


# -- settings people make in GTM on goalkeeper's entities ----------------------------------------

CONSENT = {
    "consentStatus": "needed",
    "consentType": {"type": "list", "list": [{"type": "template", "value": "ad_storage"}]},
}


def test_consent_settings_and_folder_set_by_hand_survive_an_update(live, fake_google):
    project = live.project([CLICK], ga4=False)
    project.apply(project.plan())
    path = entity_path(fake_google, live.container_id, "tag", "GA4 event - checkout_click")
    workspace = path.rsplit("/tags/", 1)[0]
    folders = live.service.accounts().containers().workspaces().folders()
    folder = folders.create(parent=workspace, body={"name": "Marketing"}).execute()["folderId"]
    fake_google.gtm.edit_entity(path, consentSettings=CONSENT, parentFolderId=folder)
    assert live.project([CLICK], ga4=False).plan().empty  # nobody's drift
    project = live.project([dict(CLICK, params={"placement": "header"})], ga4=False)
    plan = project.plan()
    assert "GA4 event - checkout_click" in {c.name for c in plan.changes if c.action == "update"}
    project.apply(plan)
    tag = fake_google.gtm.get_entity(path)
    assert tag["consentSettings"] == CONSENT and tag["parentFolderId"] == folder
    assert "placement" in str(tag["parameter"])
