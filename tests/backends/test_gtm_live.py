"""GTMLiveBackend against the fake Tag Manager API, through google-api-python-client."""

from __future__ import annotations

import contextlib
import logging

import pytest

from goalkeeper.backends.gtm_live import ConcurrentEditError, GTMLiveBackend, GTMPermissionError
from goalkeeper.core.errors import GoalkeeperError

from .conftest import ACCOUNT, CHECKOUT, CLICK, THANKS, VIDEO, names, workspace_named

WRITES = ("POST", "PUT", "DELETE")


def gtm_requests(fake, since: int = 0):
    return [r for r in fake.requests[since:] if r.api == "gtm"]


def entity_writes(fake, since: int = 0):
    """Requests that write entities (not the workspace's creation or sync)."""
    return [
        r
        for r in gtm_requests(fake, since)
        if r.method in WRITES and not r.path.endswith((":sync", "/workspaces", ":create_version", ":publish"))
    ]


def bulk_requests(fake, since: int = 0):
    return [r for r in gtm_requests(fake, since) if r.path.endswith("/bulk_update")]


def entity_path(fake, container_id, vkey, name, workspace="goalkeeper"):
    ws = workspace_named(fake, container_id, workspace)
    eid = next(i for i, e in ws.snap.entities[vkey].items() if e["name"] == name)
    kind = {"tag": "tags", "trigger": "triggers", "variable": "variables"}[vkey]
    return f"accounts/{ACCOUNT}/containers/{container_id}/workspaces/{ws.id}/{kind}/{eid}"


# -- reading: a constant number of list calls ------------------------------------------------


@pytest.mark.parametrize("size", [10, 100, 1000])
def test_plan_reads_by_list_calls_whatever_the_size(fake_google, fake_clock, size):
    seeded = fake_google.seed_synthetic_container(size)
    ws_path = seeded.workspace_path
    for name in ("goalkeeper", None):  # an existing workspace, then none (reads the latest version)
        backend = GTMLiveBackend(
            fake_google.gtm_service(), seeded.account_id, seeded.container_id, name or "absent", clock=fake_clock
        )
        if name:
            fake_google.gtm.add_workspace(
                fake_google.gtm.accounts[seeded.account_id].containers[seeded.container_id], name
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
        assert len(requests) <= (2 + 5 * pages if name else 3)
    assert ws_path  # the seeded Default Workspace is untouched


def test_plan_of_an_absent_workspace_on_a_container_without_versions(fake_google, fake_clock):
    container = fake_google.gtm.add_container(ACCOUNT, "1001", "GTM-TEST01")
    backend = GTMLiveBackend(fake_google.gtm_service(), ACCOUNT, "1001", clock=fake_clock)
    assert backend.read().entities == () and container.latest_version_id is None


def test_container_named_by_public_id(live, fake_google):
    project = live.project([CLICK], ga4=False)
    project.backends[0].container = "GTM-ABC123"
    project.apply(project.plan())
    assert workspace_named(fake_google, live.container_id) is not None


# -- applying ------------------------------------------------------------------------------


def test_apply_then_plan_says_no_changes(either, fake_google):
    project = either.project([CLICK, CHECKOUT, VIDEO], ga4=False)
    plan = project.plan()
    start = fake_google.request_count
    done = []
    project.apply(plan, done.append)
    assert [c.name for c in done] == [c.name for c in plan.changes]
    builtins = [c for c in plan.changes if c.kind == "gtm.builtin_variable"]
    # one request enables every built-in; then one bulk_update, or one write per other change
    expected = 2 if either.bulk else len(plan.changes) - len(builtins) + 1
    assert builtins and len(entity_writes(fake_google, start)) == expected
    assert either.project([CLICK, CHECKOUT, VIDEO], ga4=False).plan().empty
    ws = workspace_named(fake_google, either.container_id)
    default = fake_google.gtm.accounts[ACCOUNT].containers[either.container_id].workspaces["1"]
    for vkey, entities in default.snap.entities.items():  # the unmanaged entities came along unchanged
        for eid, entity in entities.items():
            assert {k: v for k, v in ws.snap.entities[vkey][eid].items() if k != "fingerprint"} == {
                k: v for k, v in entity.items() if k != "fingerprint"
            }


def test_new_tags_fire_on_triggers_made_in_the_same_bulk_request(live, fake_google):
    project = live.project([CLICK, CHECKOUT], ga4=False)
    start = fake_google.request_count
    project.apply(project.plan())
    (request,) = bulk_requests(fake_google, start)
    sent = {next(k for k in c if k != "changeStatus"): c for c in request.body["changes"]}
    assert {c["changeStatus"] for c in request.body["changes"]} == {"added"}
    tag = next(c["tag"] for c in request.body["changes"] if "tag" in c)
    placeholders = {c["trigger"]["triggerId"] for c in request.body["changes"] if "trigger" in c}
    assert sent and set(tag["firingTriggerId"]) <= placeholders and all(p.startswith("new_") for p in placeholders)
    ws = workspace_named(fake_google, live.container_id)
    trigger_ids = {t["name"]: i for i, t in ws.snap.entities["trigger"].items()}
    made = next(t for t in ws.snap.entities["tag"].values() if t["name"] == "GA4 event - checkout_click")
    assert made["firingTriggerId"] == [trigger_ids["Link click - checkout_click"]]


def test_the_write_path_is_logged(either, caplog):
    project = either.project([CLICK], ga4=False)
    with caplog.at_level(logging.INFO, logger="goalkeeper"):
        project.apply(project.plan())
    said = " ".join(r.getMessage() for r in caplog.records if r.name == "goalkeeper")
    assert ("with bulk_update" in said) == either.bulk
    assert ("one request each" in said) != either.bulk


def test_updates_carry_the_fingerprint_and_deletes_remove(one_by_one, fake_google):
    project = one_by_one.project([CLICK, THANKS], ga4=False)
    project.apply(project.plan())
    project = one_by_one.project([dict(CLICK, url_contains="/cart")], ga4=False)
    plan = project.plan()
    assert {c.action for c in plan.changes} == {"update", "delete"}
    start = fake_google.request_count
    project.apply(plan)
    puts = [r for r in gtm_requests(fake_google, start) if r.method == "PUT"]
    assert puts and all(r.query.get("fingerprint", [""])[0].isdigit() for r in puts)
    assert [r.method for r in gtm_requests(fake_google, start)].count("DELETE") == 2
    assert one_by_one.project([dict(CLICK, url_contains="/cart")], ga4=False).plan().empty


def test_bulk_updates_and_deletes_carry_the_fingerprint(live, fake_google):
    project = live.project([CLICK, THANKS], ga4=False)
    project.apply(project.plan())
    project = live.project([dict(CLICK, url_contains="/cart")], ga4=False)
    plan = project.plan()
    start = fake_google.request_count
    project.apply(plan)
    (request,) = bulk_requests(fake_google, start)
    entries = [
        (c["changeStatus"], next(v for k, v in c.items() if k != "changeStatus")) for c in request.body["changes"]
    ]
    assert sorted(status for status, _ in entries) == ["deleted", "deleted", "updated", "updated"]
    assert all(entity["fingerprint"].isdigit() and "/workspaces/" in entity["path"] for _, entity in entries)
    assert len(entity_writes(fake_google, start)) == 1
    assert live.project([dict(CLICK, url_contains="/cart")], ga4=False).plan().empty


def test_edit_between_plan_and_apply_is_reported_and_nothing_written(either, fake_google):
    project = either.project([CLICK], ga4=False)
    project.apply(project.plan())
    project = either.project([dict(CLICK, url_contains="/cart")], ga4=False)
    plan = project.plan()
    path = entity_path(fake_google, either.container_id, "trigger", "Link click - checkout_click")
    fake_google.gtm.edit_entity(path, notes="edited by a colleague")
    start = fake_google.request_count
    with pytest.raises(ConcurrentEditError, match="checkout_click.*plan"):
        project.apply(plan)
    assert entity_writes(fake_google, start) == []
    assert fake_google.gtm.get_entity(path)["notes"] == "edited by a colleague"


def _edit_just_before_the_first_write(fake, path):
    """Someone edits the entity at ``path`` just before goalkeeper's first entity write arrives."""

    def edit(fake):
        record = fake.requests[-1]
        writes = record.method in ("PUT", "DELETE") or record.path.endswith("/bulk_update")
        if writes and fake.gtm.get_entity(path).get("notes") != "edited by a colleague":
            fake.gtm.edit_entity(path, notes="edited by a colleague")

    for n in range(fake.request_count + 1, fake.request_count + 20):
        fake.faults.before_request(n, edit)


def test_edit_between_reread_and_write_is_caught_by_the_fingerprint(either, fake_google):
    project = either.project([CLICK], ga4=False)
    project.apply(project.plan())
    project = either.project([dict(CLICK, url_contains="/cart")], ga4=False)
    plan = project.plan()
    path = entity_path(fake_google, either.container_id, "trigger", "Link click - checkout_click")
    _edit_just_before_the_first_write(fake_google, path)
    with pytest.raises(ConcurrentEditError, match="someone"):
        project.apply(plan)
    refused = [r for r in gtm_requests(fake_google) if r.status == 409]
    assert refused and (refused[0].path.endswith("/bulk_update") == either.bulk)
    assert fake_google.gtm.get_entity(path)["notes"] == "edited by a colleague"


def test_deleted_entity_edited_meanwhile_is_not_deleted(either, fake_google):
    project = either.project([CLICK, THANKS], ga4=False)
    project.apply(project.plan())
    project = either.project([CLICK], ga4=False)
    plan = project.plan()
    path = entity_path(fake_google, either.container_id, "tag", "GA4 event - thanks_page_view")
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


def test_create_that_failed_with_503_is_looked_up_before_it_is_retried(one_by_one, fake_google):
    live = one_by_one
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
def test_create_that_went_through_before_the_connection_dropped_is_adopted(one_by_one, fake_google, what):
    """The server made the entity, then the connection dropped: no duplicate, no error."""
    live = one_by_one
    project = live.project([CLICK], ga4=False)
    plan = project.plan()
    project.apply(plan)  # first, learn the bodies goalkeeper writes
    ws = workspace_named(fake_google, live.container_id)
    made = {vkey: dict(entities) for vkey, entities in ws.snap.entities.items()}
    del fake_google.gtm.accounts[ACCOUNT].containers[live.container_id].workspaces[ws.id]
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


def test_limiter_keeps_a_large_apply_under_the_quota(fake_google, fake_clock, one_by_one):
    fake_google.quota.enabled = True
    goals = [dict(CLICK, name=f"click_{i}", url_contains=f"/p{i}") for i in range(15)]
    project = one_by_one.project(goals, ga4=False)
    project.apply(project.plan())
    assert fake_google.quota.refused == 0
    times = [r.time for r in gtm_requests(fake_google)]
    assert len(times) > 25
    assert max(sum(1 for t in times if s <= t < s + 100) for s in times) <= 25
    assert fake_clock.now() - times[0] >= 100  # the simulated clock advanced instead of sleeping
    assert one_by_one.limiter.waited > 0


def test_a_large_apply_in_bulk_needs_no_quota_wait(fake_google, fake_clock, live):
    fake_google.quota.enabled = True
    goals = [dict(CLICK, name=f"click_{i}", url_contains=f"/p{i}", key_event=False) for i in range(200)]
    project = live.project(goals, ga4=False)
    start = fake_google.request_count
    plan = project.plan()
    project.apply(plan)
    assert len(plan.changes) > 400
    assert fake_google.request_count - start <= 12 and fake_google.quota.refused == 0
    assert live.limiter.waited == 0
    assert live.project(goals, ga4=False).plan().empty


def test_the_budget_from_the_goal_file_paces_the_apply(
    fake_google, fake_clock, example_in_fake, tmp_path, monkeypatch, caplog
):
    from goalkeeper.project import open_project

    from .conftest import write_goals

    monkeypatch.delenv("GOALKEEPER_GTM_REQUESTS_PER_100S", raising=False)
    monkeypatch.setenv("GOALKEEPER_API_ENDPOINT", fake_google.url)
    monkeypatch.setattr("goalkeeper.backends.gtm_live.Clock", lambda: fake_clock)
    path = write_goals(tmp_path / "goals.yaml", [CLICK], example_in_fake.container_id, ga4=False)
    text = path.read_text().replace('"container": ', '"requests_per_100s": 4, "container": ')
    path.write_text(text)
    project = open_project(path)
    waits = []
    project.watch_waits(lambda seconds, why: waits.append(seconds))
    with caplog.at_level(logging.INFO, logger="goalkeeper"):
        project.apply(project.plan())
    times = [r.time for r in gtm_requests(fake_google)]
    assert len(times) > 4 and max(sum(1 for t in times if s <= t < s + 100) for s in times) <= 4
    assert waits and all(w > 0 for w in waits)
    assert "waiting" in caplog.text and "(4 requests per 100 s)" in caplog.text


@pytest.mark.parametrize("mode", ["429", "403"])
def test_quota_used_by_another_tool_is_waited_out(fake_google, fake_clock, live, mode):
    fake_google.quota.enabled = True
    fake_google.quota.mode = mode
    for _ in range(25):  # another tool on the same Cloud project used the whole window
        fake_google.quota.check()
    project = live.project([CLICK, CHECKOUT], ga4=False)
    project.apply(project.plan())
    assert fake_google.quota.refused > 0
    assert {r.status for r in gtm_requests(fake_google)} >= {200, int(mode)}
    assert live.project([CLICK, CHECKOUT], ga4=False).plan().empty


def test_rate_limit_that_never_lifts_gives_a_clear_error(fake_google, fake_clock, live):
    project = live.project([CLICK], ga4=False)
    fake_google.faults.add(kind="status", status=429, api="gtm", times=None)
    with pytest.raises(GoalkeeperError, match="quota"):
        project.plan()


def test_permission_denied_names_the_permission_and_scope(either, fake_google):
    project = either.project([CLICK], ga4=False)
    plan = project.plan()
    fake_google.faults.add(
        kind="status", status=403, method="POST", message="The caller does not have permission", times=None
    )
    with pytest.raises(GTMPermissionError) as error:
        project.apply(plan)
    assert "Edit permission" in str(error.value) and "tagmanager.edit.containers" in str(error.value)
    assert "User Management" in str(error.value)


def test_publish_needs_the_publish_permission(live, fake_google):
    project = live.project([CLICK], ga4=False)
    project.apply(project.plan())
    fake_google.faults.add(
        kind="status", status=403, path_contains=":publish", message="The caller does not have permission"
    )
    with pytest.raises(GTMPermissionError, match="Publish permission.*tagmanager.publish"):
        project.publisher().publish("v", "n")


# -- workspace life cycle and publishing ---------------------------------------------------


def test_workspace_name_is_configurable_and_created_once(live, fake_google):
    project = live.project([CLICK], workspace="tracking", ga4=False)
    project.apply(project.plan())
    project = live.project([CLICK, CHECKOUT], workspace="tracking", ga4=False)
    project.apply(project.plan())
    workspaces = fake_google.gtm.accounts[ACCOUNT].containers[live.container_id].workspaces.values()
    assert sorted(w.name for w in workspaces) == ["Default Workspace", "tracking"]


def test_workspace_creation_that_dropped_is_not_duplicated(live, fake_google):
    project = live.project([CLICK], ga4=False)
    plan = project.plan()
    fake_google.faults.add(kind="drop", method="POST", path_contains="/workspaces", times=2)
    project.apply(plan)  # httplib2 re-sends once; goalkeeper then looks the workspace up
    workspaces = fake_google.gtm.accounts[ACCOUNT].containers[live.container_id].workspaces.values()
    assert [w.name for w in workspaces].count("goalkeeper") == 1


def test_three_workspace_limit_gives_a_clear_error(live, fake_google):
    container = fake_google.gtm.accounts[ACCOUNT].containers[live.container_id]
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
    project = live.project([CLICK], ga4=False)
    project.apply(project.plan())

    def rename_unmanaged(snap):
        tag = next(iter(snap.entities["tag"].values()))
        tag["notes"] = "changed in another workspace and published"

    _publish_new_version(fake_google, live.container_id, rename_unmanaged)
    project = live.project([CLICK, CHECKOUT], ga4=False)
    project.apply(project.plan())
    ws = workspace_named(fake_google, live.container_id)
    assert any(t.get("notes") == "changed in another workspace and published" for t in ws.snap.entities["tag"].values())
    assert project.publisher().publish("v", "n")["containerVersionId"]


def test_merge_conflict_is_reported_with_the_entities(live, fake_google):
    project = live.project([CLICK], ga4=False)
    project.apply(project.plan())
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
    project = live.project([CLICK], ga4=False)
    project.apply(project.plan())
    version = project.publisher().publish("release 1", "notes 1")
    container = fake_google.gtm.accounts[ACCOUNT].containers[live.container_id]
    assert container.live_version_id == version["containerVersionId"]
    assert container.versions[version["containerVersionId"]].name == "release 1"
    assert live.project([CLICK], ga4=False).plan().empty  # the published version holds the goals
    project = live.project([CLICK, CHECKOUT], ga4=False)
    project.apply(project.plan())  # and goalkeeper's workspace is back for the next change
    assert project.publisher().publish("release 2", "")["containerVersionId"] != version["containerVersionId"]


def test_compiler_error_stops_the_publish(live, fake_google):
    project = live.project([CLICK], ga4=False)
    project.apply(project.plan())
    path = entity_path(fake_google, live.container_id, "tag", "GA4 event - checkout_click")
    fake_google.gtm.edit_entity(path, firingTriggerId=["999999"])
    container = fake_google.gtm.accounts[ACCOUNT].containers[live.container_id]
    live_before = container.live_version_id
    with pytest.raises(GoalkeeperError, match="could not compile"):
        project.publisher().publish("broken", "")
    assert container.live_version_id == live_before


def test_publish_with_a_lost_create_version_answer_does_not_make_two_versions(live, fake_google):
    project = live.project([CLICK], ga4=False)
    project.apply(project.plan())
    container = fake_google.gtm.accounts[ACCOUNT].containers[live.container_id]
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
PATHS = ("bulk", "one by one")
# requests of each scenario's apply on each GTM write path, checked below
REQUESTS = {("bulk", "fresh"): 6, ("bulk", "change"): 6, ("one by one", "fresh"): 10, ("one by one", "change"): 11}


def _live(fake, clock, seeded, tmp_path, path):
    from .conftest import Live

    return Live(fake, clock, seeded.container_id, tmp_path, bulk=path == "bulk")


def _prepared(live, scenario):
    before, after = SCENARIOS[scenario]
    if before:
        project = live.project(before)
        project.apply(project.plan())
    project = live.project(after)
    return project, project.plan()


@pytest.mark.parametrize("path,scenario", sorted(REQUESTS))
def test_scenario_request_counts(fake_google, fake_clock, example_in_fake, tmp_path, path, scenario):
    project, plan = _prepared(_live(fake_google, fake_clock, example_in_fake, tmp_path, path), scenario)
    start = fake_google.request_count
    project.apply(plan)
    assert fake_google.request_count - start == REQUESTS[path, scenario]


def _fault_at(fake, at, fault):
    if fault == "503":
        fake.faults.add(kind="status", status=503, at_request=at)
    elif fault == "lost":  # carried out, and the answer lost (httplib2 sends it again: lose that too)
        fake.faults.add(kind="lost", at_request=at)
        fake.faults.add(kind="lost", at_request=at + 1)
    else:

        def drop(fake):
            record = fake.requests[-1]
            fake.faults.add(kind="drop", at_request=record.n)
            if record.api == "gtm":  # httplib2 re-sends once after a dropped connection: drop that too
                fake.faults.add(kind="drop", at_request=record.n + 1)

        fake.faults.before_request(at, drop)


@pytest.mark.parametrize("fault", ["drop", "503", "lost"])
@pytest.mark.parametrize(
    "path,scenario,position", [(*key, n) for key in sorted(REQUESTS) for n in range(1, REQUESTS[key] + 1)]
)
def test_interrupted_apply_converges(
    fake_google, fake_clock, example_in_fake, tmp_path, path, scenario, position, fault
):
    live = _live(fake_google, fake_clock, example_in_fake, tmp_path, path)
    project, plan = _prepared(live, scenario)
    default_ws = fake_google.gtm.accounts[ACCOUNT].containers[live.container_id].workspaces["1"]
    unmanaged = {
        (vkey, e["name"]): {k: v for k, v in e.items() if k != "fingerprint"}
        for vkey, entities in default_ws.snap.entities.items()
        for e in entities.values()
    }
    _fault_at(fake_google, fake_google.request_count + position, fault)
    with contextlib.suppress(GoalkeeperError):  # reported clearly; the next run carries on
        project.apply(plan)
    assert any(r.fault for r in fake_google.requests), "the fault was injected"

    again = live.project(SCENARIOS[scenario][1])
    again.apply(again.plan())
    assert live.project(SCENARIOS[scenario][1]).plan().empty

    ws = workspace_named(fake_google, live.container_id)
    for vkey, listed in names(ws).items():
        assert len(listed) == len(set(listed)), f"duplicate {vkey} names: {listed}"
    for (vkey, name), entity in unmanaged.items():
        now = next(e for e in ws.snap.entities[vkey].values() if e["name"] == name)
        assert {k: v for k, v in now.items() if k != "fingerprint"} == entity
    key_events = [k["eventName"] for k in fake_google.ga4.items("properties/123456789", "keyEvents")]
    assert len(key_events) == len(set(key_events))


# -- bulk_update's undocumented edges: size, refusal, partial application ------------------


def test_a_bulk_request_too_large_for_gtm_is_split(live, fake_google, monkeypatch):
    monkeypatch.setattr(fake_google.gtm, "bulk_update_limit", 3)
    goals = [dict(CLICK, name=f"click_{i}", url_contains=f"/p{i}", key_event=False) for i in range(4)]
    project = live.project(goals, ga4=False)
    project.apply(project.plan())
    sent = bulk_requests(fake_google)
    assert sent[0].status == 400 and all(len(r.body["changes"]) <= 3 for r in sent if r.status == 200)
    assert live.project(goals, ga4=False).plan().empty


@pytest.mark.parametrize(
    "status,message",
    [(404, "Not found."), (400, "Bulk update is not supported for this container."), (501, "Not implemented.")],
)
def test_refused_bulk_update_falls_back_to_one_write_per_change(live, fake_google, caplog, status, message):
    fake_google.faults.add(kind="status", path_contains="/bulk_update", status=status, message=message, times=None)
    project = live.project([CLICK, CHECKOUT], ga4=False)
    start = fake_google.request_count
    with caplog.at_level(logging.WARNING, logger="goalkeeper"):
        project.apply(project.plan())
    assert "refused bulk_update" in caplog.text and str(status) in caplog.text
    assert [r.method for r in entity_writes(fake_google, start)].count("POST") > 3
    assert live.project([CLICK, CHECKOUT], ga4=False).plan().empty


def test_a_bulk_request_applied_in_part_stops_at_someone_elses_entity(live, fake_google):
    # A colleague creates a trigger of the name goalkeeper is about to create, between goalkeeper's
    # re-read and its write: GTM carries out the changes before it (bulk_update is not documented as
    # atomic), refuses that one, and goalkeeper stops without touching the colleague's trigger.
    project = live.project([CLICK, CHECKOUT], ga4=False)
    plan = project.plan()
    theirs = {
        "name": "Page view - checkout_page_view",
        "type": "pageview",
        "notes": "made by a colleague",
    }

    def colleague(fake):
        if fake.requests[-1].path.endswith("/bulk_update"):
            ws = workspace_named(fake, live.container_id)
            if all(t["name"] != theirs["name"] for t in ws.snap.entities["trigger"].values()):
                ct = fake.gtm.accounts[ACCOUNT].containers[live.container_id]
                fake.gtm._create(ct, ws.snap, fake_gtm_kind("triggers"), dict(theirs))

    for n in range(fake_google.request_count + 1, fake_google.request_count + 10):
        fake_google.faults.before_request(n, colleague)
    with pytest.raises(ConcurrentEditError, match="checkout_page_view.*created meanwhile"):
        project.apply(plan)
    ws = workspace_named(fake_google, live.container_id)
    triggers = names(ws)["trigger"]
    assert "Link click - checkout_click" in triggers  # carried out before the refused change
    assert triggers.count(theirs["name"]) == 1
    mine = next(t for t in ws.snap.entities["trigger"].values() if t["name"] == theirs["name"])
    assert mine["notes"] == "made by a colleague" and mine["type"] == "pageview"


def fake_gtm_kind(segment):
    from goalkeeper.testing.fake_google.gtm import KINDS

    return KINDS[segment]


def test_a_lost_bulk_answer_is_read_back_and_nothing_duplicated(live, fake_google):
    project = live.project([CLICK, CHECKOUT], ga4=False)
    plan = project.plan()
    fake_google.faults.add(kind="lost", path_contains="/bulk_update", times=1)
    project.apply(plan)  # the transport sends it again: GTM refuses the duplicate names; read back
    assert {r.status for r in bulk_requests(fake_google)} == {200, 400}
    for vkey, listed in names(workspace_named(fake_google, live.container_id)).items():
        assert len(listed) == len(set(listed)), f"duplicate {vkey} names: {listed}"
    assert live.project([CLICK, CHECKOUT], ga4=False).plan().empty


def test_time_left_follows_the_quota_pace(fake_google, fake_clock, either):
    goals = [dict(CLICK, name=f"click_{i}", url_contains=f"/p{i}") for i in range(15)]
    project = either.project(goals, ga4=False)
    plan = project.plan()
    estimate = project.seconds_left(plan.changes)
    start = fake_clock.now()
    project.apply(plan)
    taken = fake_clock.now() - start
    # one write a change (or a request per bulk), 25 per 100 s: the quota's pace, within a window
    assert estimate == pytest.approx(taken, abs=100)
    assert (estimate > 0) != either.bulk and project.seconds_left([]) == 0


def test_plan_shows_a_version_published_from_another_workspace(live, fake_google):
    # After goalkeeper's own publish (which consumed its workspace), a colleague changes goalkeeper's
    # trigger in another workspace and publishes: a plan (or a drift check) must show the edit.
    project = live.project([CLICK], ga4=False)
    project.apply(project.plan())
    project.publisher().publish("v1", "")
    assert workspace_named(fake_google, live.container_id) is None
    container = fake_google.gtm.accounts[ACCOUNT].containers[live.container_id]
    triggers = container.versions[container.latest_version_id].snap.entities["trigger"]
    eid = next(i for i, t in triggers.items() if t["name"] == "Link click - checkout_click")

    def by_hand(snap):
        snap.entities["trigger"][eid]["filter"][0]["parameter"][1]["value"] = "/by-hand"

    _publish_new_version(fake_google, live.container_id, by_hand)
    plan = live.project([CLICK], ga4=False).plan()
    assert [(c.action, c.name) for c in plan.changes] == [("update", "Link click - checkout_click")]
    live.project([CLICK], ga4=False).apply(plan)
    assert live.project([CLICK], ga4=False).plan().empty


def test_plan_keeps_the_workspace_changes_on_top_of_a_newer_version(live, fake_google):
    project = live.project([CLICK], ga4=False)
    project.apply(project.plan())  # unpublished: goalkeeper's workspace has changes
    _publish_new_version(
        fake_google,
        live.container_id,
        lambda snap: next(iter(snap.entities["tag"].values())).update(notes="published by hand"),
    )
    assert live.project([CLICK], ga4=False).plan().empty


def test_removing_a_goal_after_the_workspace_was_consumed(live, fake_google):
    # The plan is read from the latest version when goalkeeper's workspace is gone (publishing
    # consumed it, or someone deleted it): the deletes still find what to delete.
    project = live.project([CLICK, THANKS], ga4=False)
    project.apply(project.plan())
    project.publisher().publish("v1", "")
    assert workspace_named(fake_google, live.container_id) is None  # GTM does not bring a named one back
    project = live.project([CLICK], ga4=False)
    project.apply(project.plan())
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
    container = fake_google.gtm.accounts[ACCOUNT].containers[live.container_id]
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


def test_a_workspace_deleted_or_published_by_someone_else_mid_apply_says_so(live, fake_google):
    project = live.project([CLICK], ga4=False)
    plan = project.plan()
    # GTM answers 404 for the workspace goalkeeper writes into: someone deleted or published it.
    fake_google.faults.add(status=404, api="gtm", method="POST", path_contains="/workspaces/", times=None)
    with pytest.raises(GoalkeeperError) as error:
        project.apply(plan)
    message = str(error.value)
    assert "workspace was deleted, or published as a version" in message and "run the command again" in message
    assert "check target.gtm.account" not in message
