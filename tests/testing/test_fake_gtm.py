"""The fake Tag Manager API v2, driven only through googleapiclient with the bundled discovery document."""

from __future__ import annotations

import pytest
from googleapiclient.errors import HttpError

GA4_PARAMS = [
    {"type": "template", "key": "eventName", "value": "generate_lead"},
    {"type": "template", "key": "measurementIdOverride", "value": "G-TEST123"},
]


def ce_trigger(name, event):
    return {
        "name": name,
        "type": "customEvent",
        "customEventFilter": [
            {
                "type": "equals",
                "parameter": [
                    {"type": "template", "key": "arg0", "value": "{{_event}}"},
                    {"type": "template", "key": "arg1", "value": event},
                ],
            }
        ],
    }


def ws_api(gtm):
    return gtm.accounts().containers().workspaces()


def error_of(req) -> HttpError:
    with pytest.raises(HttpError) as ei:
        req.execute()
    return ei.value


def list_all(resource, key, **kw):
    items, pages = [], 0
    req = resource.list(**kw)
    while req is not None:
        resp = req.execute()
        pages += 1
        items += resp.get(key, [])
        req = resource.list_next(req, resp)
    return items, pages


# ---------------------------------------------------------------------------- accounts / containers
def test_accounts_containers_and_lookup(fake_google, gtm, seeded):
    accounts = gtm.accounts().list().execute()["account"]
    assert [a["accountId"] for a in accounts] == ["6001234567"]
    ct = gtm.accounts().containers().lookup(tagId="GTM-TEST01").execute()
    assert ct["path"] == "accounts/6001234567/containers/1001" and ct["usageContext"] == ["web"]
    assert error_of(gtm.accounts().containers().lookup(tagId="GTM-NOPE")).status_code == 404
    created = (
        gtm.accounts()
        .containers()
        .create(parent="accounts/6001234567", body={"name": "Second", "usageContext": ["web"]})
        .execute()
    )
    assert isinstance(created["containerId"], str) and created["publicId"].startswith("GTM-")
    listed = gtm.accounts().containers().list(parent="accounts/6001234567").execute()["container"]
    assert {c["name"] for c in listed} == {"Test", "Second"}
    gtm.accounts().containers().delete(path=created["path"]).execute()
    assert error_of(gtm.accounts().containers().get(path=created["path"])).status_code == 404


# ---------------------------------------------------------------------------- CRUD, ids, fingerprints
def test_create_get_update_delete_tag_with_string_ids_and_fingerprints(gtm, seeded):
    w = ws_api(gtm)
    trig = w.triggers().create(parent=seeded, body=ce_trigger("CE - lead", "lead")).execute()
    tag = (
        w.tags()
        .create(
            parent=seeded,
            body={
                "name": "GA4 - lead",
                "type": "gaawe",
                "parameter": GA4_PARAMS,
                "firingTriggerId": [trig["triggerId"]],
            },
        )
        .execute()
    )
    assert isinstance(tag["tagId"], str) and tag["tagId"] != trig["triggerId"]
    assert tag["path"] == f"{seeded}/tags/{tag['tagId']}" and tag["workspaceId"] == "1"
    assert isinstance(tag["fingerprint"], str) and tag["fingerprint"].isdigit()
    assert int(tag["fingerprint"]) > int(trig["fingerprint"])
    got = w.tags().get(path=tag["path"]).execute()
    assert got == tag
    upd = (
        w.tags()
        .update(path=tag["path"], fingerprint=tag["fingerprint"], body={**got, "name": "GA4 - lead v2"})
        .execute()
    )
    assert upd["name"] == "GA4 - lead v2" and int(upd["fingerprint"]) > int(tag["fingerprint"])
    w.tags().delete(path=tag["path"]).execute()
    assert error_of(w.tags().get(path=tag["path"])).status_code == 404


def test_stale_fingerprint_refused_with_409_aborted(gtm, seeded):
    w = ws_api(gtm)
    v = (
        w.variables()
        .create(
            parent=seeded,
            body={"name": "Const", "type": "c", "parameter": [{"type": "template", "key": "value", "value": "1"}]},
        )
        .execute()
    )
    v2 = w.variables().update(path=v["path"], fingerprint=v["fingerprint"], body={**v, "notes": "n"}).execute()
    err = error_of(w.variables().update(path=v["path"], fingerprint=v["fingerprint"], body={**v, "notes": "x"}))
    assert err.status_code == 409 and "fingerprint" in err.reason.lower()
    assert err.error_details[0]["reason"] == "aborted"
    assert w.variables().get(path=v["path"]).execute()["notes"] == "n"
    # without a fingerprint the write is last-writer-wins
    w.variables().update(path=v["path"], body={**v2, "notes": "lww"}).execute()
    assert w.variables().get(path=v["path"]).execute()["notes"] == "lww"


def test_put_is_a_full_replace(gtm, seeded):
    w = ws_api(gtm)
    trig = w.triggers().create(parent=seeded, body=ce_trigger("CE - a", "a")).execute()
    tag = (
        w.tags()
        .create(
            parent=seeded,
            body={
                "name": "T",
                "type": "html",
                "notes": "keep?",
                "blockingTriggerId": [trig["triggerId"]],
                "parameter": [{"type": "template", "key": "html", "value": "<b></b>"}],
            },
        )
        .execute()
    )
    upd = w.tags().update(path=tag["path"], body={"name": "T", "type": "html"}).execute()
    assert "notes" not in upd and "blockingTriggerId" not in upd and "parameter" not in upd
    assert "notes" not in w.tags().get(path=tag["path"]).execute()


def test_duplicate_names_refused_per_kind_and_against_builtins(gtm, seeded):
    w = ws_api(gtm)
    w.triggers().create(parent=seeded, body=ce_trigger("Same", "a")).execute()
    err = error_of(w.triggers().create(parent=seeded, body=ce_trigger("Same", "b")))
    assert err.status_code == 400 and err.reason == "Found entity with duplicate name."
    # another kind may use the same name
    w.variables().create(parent=seeded, body={"name": "Same", "type": "c"}).execute()
    other = w.triggers().create(parent=seeded, body=ce_trigger("Other", "b")).execute()
    err = error_of(w.triggers().update(path=other["path"], body=ce_trigger("Same", "b")))
    assert err.reason == "Found entity with duplicate name."
    # variables clash with enabled built-in variables
    w.built_in_variables().create(parent=seeded, type=["clickUrl"]).execute()
    err = error_of(w.variables().create(parent=seeded, body={"name": "Click URL", "type": "c"}))
    assert err.status_code == 400 and err.reason == "Found entity with duplicate name."
    w.variables().create(parent=seeded, body={"name": "Click Text", "type": "c"}).execute()  # not enabled: fine


def test_custom_event_trigger_needs_exactly_one_filter(gtm, seeded):
    w = ws_api(gtm)
    msg = "customEventFilter: Custom-event trigger must have exactly one custom-event filter."
    err = error_of(w.triggers().create(parent=seeded, body={"name": "x", "type": "customEvent"}))
    assert (err.status_code, err.reason) == (400, msg)
    two = ce_trigger("y", "a")
    two["customEventFilter"] *= 2
    assert error_of(w.triggers().create(parent=seeded, body=two)).reason == msg
    assert w.triggers().create(parent=seeded, body=ce_trigger("z", "a")).execute()["type"] == "customEvent"


def test_unknown_trigger_type_and_parameter_type_refused(gtm, seeded):
    w = ws_api(gtm)
    err = error_of(w.triggers().create(parent=seeded, body={"name": "x", "type": "pageView2"}))
    assert err.status_code == 400 and err.reason.startswith("Invalid value at 'trigger.type'")
    err = error_of(
        w.tags().create(
            parent=seeded,
            body={"name": "h", "type": "html", "parameter": [{"type": "string", "key": "html", "value": "x"}]},
        )
    )
    assert err.status_code == 400 and "parameter[0].type" in err.reason


def test_gaawe_without_measurement_id_refused(gtm, seeded):
    w = ws_api(gtm)
    body = {"name": "GA4", "type": "gaawe", "parameter": [{"type": "template", "key": "eventName", "value": "x"}]}
    err = error_of(w.tags().create(parent=seeded, body=body))
    assert (err.status_code, err.reason) == (
        400,
        "vendorTemplate.parameter.measurementIdOverride: The value must not be empty.",
    )
    body["parameter"].append({"type": "template", "key": "measurementIdOverride", "value": ""})
    assert error_of(w.tags().create(parent=seeded, body=body)).status_code == 400
    body["parameter"][-1] = {"type": "tagReference", "key": "measurementId", "value": "Google Tag"}
    assert w.tags().create(parent=seeded, body=body).execute()["type"] == "gaawe"


def test_upper_snake_enums_accepted_and_answered_lower_camel(gtm, seeded):
    w = ws_api(gtm)
    trig = (
        w.triggers()
        .create(
            parent=seeded,
            body={
                "name": "YT",
                "type": "YOU_TUBE_VIDEO",
                "parameter": [{"type": "BOOLEAN", "key": "captureStart", "value": "true"}],
            },
        )
        .execute()
    )
    assert trig["type"] == "youTubeVideo" and trig["parameter"][0]["type"] == "boolean"
    tag = (
        w.tags()
        .create(
            parent=seeded,
            body={
                "name": "H",
                "type": "html",
                "tagFiringOption": "ONCE_PER_EVENT",
                "consentSettings": {"consentStatus": "NOT_SET"},
            },
        )
        .execute()
    )
    assert tag["tagFiringOption"] == "oncePerEvent" and tag["consentSettings"]["consentStatus"] == "notSet"


def test_folders_and_parent_folder_reference(gtm, seeded):
    w = ws_api(gtm)
    folder = w.folders().create(parent=seeded, body={"name": "Goals"}).execute()
    assert folder["folderId"] and folder["fingerprint"]
    var = (
        w.variables()
        .create(parent=seeded, body={"name": "V", "type": "c", "parentFolderId": folder["folderId"]})
        .execute()
    )
    ents = w.folders().entities(path=folder["path"]).execute()
    assert [v["name"] for v in ents["variable"]] == ["V"]
    err = error_of(w.variables().create(parent=seeded, body={"name": "W", "type": "c", "parentFolderId": "999"}))
    assert err.status_code == 400
    assert w.folders().list(parent=seeded).execute()["folder"][0]["name"] == "Goals"
    w.folders().delete(path=folder["path"]).execute()
    assert "parentFolderId" not in w.variables().get(path=var["path"]).execute()


def test_built_in_variables_enable_list_disable(gtm, seeded):
    b = ws_api(gtm).built_in_variables()
    resp = b.create(parent=seeded, type=["clickUrl", "clickText", "pageUrl"]).execute()
    assert [(x["type"], x["name"]) for x in resp["builtInVariable"]] == [
        ("clickUrl", "Click URL"),
        ("clickText", "Click Text"),
        ("pageUrl", "Page URL"),
    ]
    listed = b.list(parent=seeded).execute()["builtInVariable"]
    assert {x["type"] for x in listed} == {"clickUrl", "clickText", "pageUrl"}
    assert all("fingerprint" not in x and x["workspaceId"] == "1" for x in listed)
    b.delete(path=f"{seeded}/built_in_variables", type=["clickUrl", "clickText"]).execute()
    assert [x["type"] for x in b.list(parent=seeded).execute()["builtInVariable"]] == ["pageUrl"]


# ---------------------------------------------------------------------------- pagination
def test_list_pagination_over_many_pages(fake_google, gtm):
    s = fake_google.seed_synthetic_container(1000, account_id="6001234567")
    w = ws_api(gtm)
    first = w.variables().list(parent=s.workspace_path).execute()
    assert len(first["variable"]) == 200 and "nextPageToken" in first
    last = w.variables().list(parent=s.workspace_path, pageToken=first["nextPageToken"]).execute()
    assert "nextPageToken" not in last and len(last["variable"]) == 392 - 200
    assert len(fake_google.requests_for("gtm", "GET")) == 2


@pytest.mark.parametrize(
    "kind, key",
    [("tags", "tag"), ("triggers", "trigger"), ("variables", "variable"), ("folders", "folder")],
    ids=["tags", "triggers", "variables", "folders"],
)
def test_a_list_call_pages_through_every_entity_once(fake_google, gtm, kind, key):
    s = fake_google.seed_synthetic_container(1000, account_id="6001234567")
    items, pages = list_all(getattr(ws_api(gtm), kind)(), key, parent=s.workspace_path)
    expected = fake_google.gtm.container("6001234567", s.container_id).workspaces["1"].snap.count(key)
    assert len(items) == expected and len({i[f"{key}Id"] for i in items}) == expected
    assert pages == -(-expected // 200)
    assert len(fake_google.requests_for("gtm", "GET")) == pages  # the fake logs every page it serves


# ---------------------------------------------------------------------------- workspaces and versions
def test_three_workspace_limit(gtm, seeded):
    wss = gtm.accounts().containers().workspaces()
    ct = seeded.rsplit("/workspaces/", 1)[0]
    a = wss.create(parent=ct, body={"name": "A"}).execute()
    wss.create(parent=ct, body={"name": "B"}).execute()
    err = error_of(wss.create(parent=ct, body={"name": "C"}))
    assert err.status_code == 400 and err.error_details[0]["reason"] == "failedPrecondition"
    assert len(wss.list(parent=ct).execute()["workspace"]) == 3
    wss.delete(path=a["path"]).execute()
    assert wss.create(parent=ct, body={"name": "C"}).execute()["name"] == "C"


def test_status_lists_changes_against_base_version(fake_google, gtm):
    s = fake_google.seed_container_export(_mini_export(), account_id="6001234567")
    w = ws_api(gtm)
    assert w.getStatus(path=s.workspace_path).execute() == {}
    w.triggers().create(parent=s.workspace_path, body=ce_trigger("New", "n")).execute()
    tag = w.tags().get(path=f"{s.workspace_path}/tags/3").execute()
    w.tags().update(path=tag["path"], body={**tag, "notes": "changed"}).execute()
    w.variables().delete(path=f"{s.workspace_path}/variables/1").execute()
    w.built_in_variables().create(parent=s.workspace_path, type=["clickUrl"]).execute()
    changes = w.getStatus(path=s.workspace_path).execute()["workspaceChange"]
    summary = sorted((c["changeStatus"], next(k for k in c if k != "changeStatus")) for c in changes)
    assert summary == [("added", "builtInVariable"), ("added", "trigger"), ("deleted", "variable"), ("updated", "tag")]


def test_create_version_consumes_workspace_and_publish(fake_google, gtm):
    s = fake_google.seed_container_export(_mini_export(), account_id="6001234567")
    w, versions = ws_api(gtm), gtm.accounts().containers().versions()
    live_before = versions.live(parent=s.container_path).execute()
    assert live_before["containerVersionId"] == s.version_id
    w.variables().create(parent=s.workspace_path, body={"name": "Added", "type": "c"}).execute()
    resp = w.create_version(path=s.workspace_path, body={"name": "v2", "notes": "by test"}).execute()
    assert resp["compilerError"] is False
    cv = resp["containerVersion"]
    assert cv["name"] == "v2" and cv["description"] == "by test"
    assert "Added" in {v["name"] for v in cv["variable"]}
    assert error_of(w.get(path=s.workspace_path)).status_code == 404  # consumed
    new_ws = resp["newWorkspacePath"]
    assert new_ws != s.workspace_path and w.getStatus(path=new_ws).execute() == {}
    assert "Added" in {v["name"] for v in w.variables().list(parent=new_ws).execute()["variable"]}
    # not live until published; stale fingerprint refused
    assert versions.live(parent=s.container_path).execute()["containerVersionId"] == s.version_id
    err = error_of(versions.publish(path=cv["path"], fingerprint="123"))
    assert err.status_code == 409
    pub = versions.publish(path=cv["path"], fingerprint=cv["fingerprint"]).execute()
    assert pub["compilerError"] is False and pub["containerVersion"]["containerVersionId"] == cv["containerVersionId"]
    assert versions.live(parent=s.container_path).execute()["containerVersionId"] == cv["containerVersionId"]
    published = versions.get(path=f"{s.container_path}/versions/published").execute()
    assert published["containerVersionId"] == cv["containerVersionId"]
    latest = gtm.accounts().containers().version_headers().latest(parent=s.container_path).execute()
    assert latest["containerVersionId"] == cv["containerVersionId"] and latest["numVariables"] == "3"


def test_compiler_error_blocks_version(gtm, seeded):
    w = ws_api(gtm)
    w.tags().create(parent=seeded, body={"name": "H", "type": "html", "firingTriggerId": ["424242"]}).execute()
    resp = w.create_version(path=seeded, body={"name": "bad"}).execute()
    assert resp == {"compilerError": True}
    assert w.get(path=seeded).execute()["workspaceId"] == "1"  # kept
    tag = w.tags().list(parent=seeded).execute()["tag"][0]
    w.tags().update(
        path=tag["path"],
        body={
            "name": "H",
            "type": "html",
            "firingTriggerId": ["2147479553"],
            "parameter": [{"type": "template", "key": "html", "value": "{{Nope}}"}],
        },
    ).execute()
    assert w.create_version(path=seeded, body={}).execute()["compilerError"] is True
    w.variables().create(parent=seeded, body={"name": "Nope", "type": "c"}).execute()
    assert "containerVersion" in w.create_version(path=seeded, body={}).execute()


def test_sync_brings_newer_version_and_reports_conflicts(fake_google, gtm):
    s = fake_google.seed_container_export(_mini_export(), account_id="6001234567")
    w, ct = ws_api(gtm), s.container_path
    other = w.create(parent=ct, body={"name": "Other"}).execute()["path"]
    mine = s.workspace_path
    # someone versions a change of tag 3 and variable 1 in the other workspace
    t_other = w.tags().get(path=f"{other}/tags/3").execute()
    w.tags().update(path=t_other["path"], body={**t_other, "notes": "theirs"}).execute()
    v_other = w.variables().get(path=f"{other}/variables/1").execute()
    w.variables().update(path=v_other["path"], body={**v_other, "notes": "theirs"}).execute()
    # my workspace changes variable 1 differently and adds a trigger
    v_mine = w.variables().get(path=f"{mine}/variables/1").execute()
    w.variables().update(path=v_mine["path"], body={**v_mine, "notes": "mine"}).execute()
    w.triggers().create(parent=mine, body=ce_trigger("Mine", "m")).execute()
    assert "containerVersion" in w.create_version(path=other, body={"name": "theirs"}).execute()
    # my workspace is out of date: create_version syncs, finds the conflict and makes no version
    resp = w.create_version(path=mine, body={"name": "mine"}).execute()
    assert resp["syncStatus"]["mergeConflict"] is True and "containerVersion" not in resp
    status = w.getStatus(path=mine).execute()
    conflict = status["mergeConflict"][0]
    assert conflict["entityInBaseVersion"]["variable"]["notes"] == "theirs"
    assert conflict["entityInWorkspace"]["variable"]["notes"] == "mine"
    # the non-conflicting change arrived, mine is kept
    assert w.tags().get(path=f"{mine}/tags/3").execute()["notes"] == "theirs"
    assert "Mine" in {t["name"] for t in w.triggers().list(parent=mine).execute()["trigger"]}
    sync = w.sync(path=mine).execute()
    assert sync["syncStatus"]["mergeConflict"] is True and len(sync["mergeConflict"]) == 1
    ws_fp = w.get(path=mine).execute()["fingerprint"]
    w.resolve_conflict(path=mine, fingerprint=ws_fp, body={"variable": {**v_mine, "notes": "merged"}}).execute()
    assert "mergeConflict" not in w.getStatus(path=mine).execute()
    assert "containerVersion" in w.create_version(path=mine, body={"name": "mine"}).execute()


def test_sync_without_conflict(fake_google, gtm):
    s = fake_google.seed_container_export(_mini_export(), account_id="6001234567")
    w = ws_api(gtm)
    other = w.create(parent=s.container_path, body={"name": "Other"}).execute()["path"]
    w.variables().create(parent=other, body={"name": "From other", "type": "c"}).execute()
    w.create_version(path=other, body={}).execute()
    assert "From other" not in {v["name"] for v in w.variables().list(parent=s.workspace_path).execute()["variable"]}
    resp = w.sync(path=s.workspace_path).execute()
    assert not resp.get("mergeConflict") and not resp["syncStatus"].get("mergeConflict")
    assert "From other" in {v["name"] for v in w.variables().list(parent=s.workspace_path).execute()["variable"]}
    assert w.getStatus(path=s.workspace_path).execute() == {}


def test_revert_entity(fake_google, gtm):
    s = fake_google.seed_container_export(_mini_export(), account_id="6001234567")
    w = ws_api(gtm)
    tag = w.tags().get(path=f"{s.workspace_path}/tags/3").execute()
    w.tags().update(path=tag["path"], body={**tag, "name": "Renamed"}).execute()
    reverted = w.tags().revert(path=tag["path"]).execute()
    assert reverted["tag"]["name"] == tag["name"]
    assert w.getStatus(path=s.workspace_path).execute() == {}


# ---------------------------------------------------------------------------- bulk_update
def _bulk_lead(w, seeded):
    body = {
        "changes": [
            {"folder": {"folderId": "new_1", "name": "Goals"}, "changeStatus": "added"},
            {
                "trigger": {**ce_trigger("CE - lead", "lead"), "triggerId": "new_2", "parentFolderId": "new_1"},
                "changeStatus": "added",
            },
            {
                "tag": {
                    "tagId": "new_3",
                    "name": "GA4 - lead",
                    "type": "gaawe",
                    "parameter": GA4_PARAMS,
                    "firingTriggerId": ["new_2"],
                    "parentFolderId": "new_1",
                },
                "changeStatus": "added",
            },
            {"builtInVariable": {"type": "clickUrl"}, "changeStatus": "added"},
        ]
    }
    return w.bulk_update(path=seeded, body=body).execute()


def test_bulk_update_creates_with_new_ids(gtm, seeded):
    w = ws_api(gtm)
    resp = _bulk_lead(w, seeded)
    assert [c["changeStatus"] for c in resp["changes"]] == ["added"] * 4
    folder, trig, tag = (resp["changes"][i][k] for i, k in enumerate(("folder", "trigger", "tag")))
    assert not folder["folderId"].startswith("new_")
    assert tag["firingTriggerId"] == [trig["triggerId"]] and tag["parentFolderId"] == folder["folderId"]
    assert w.tags().get(path=tag["path"]).execute()["name"] == "GA4 - lead"
    good = {
        "changes": [
            {"tag": {**tag, "notes": "updated"}, "changeStatus": "updated"},
            {"folder": folder, "changeStatus": "deleted"},
        ]
    }
    resp = w.bulk_update(path=seeded, body=good).execute()
    assert [c["changeStatus"] for c in resp["changes"]] == ["updated"]  # deletions are not listed
    assert error_of(w.folders().get(path=folder["path"])).status_code == 404
    err = error_of(
        w.bulk_update(
            path=seeded,
            body={"changes": [{"variable": {"variableId": "17", "name": "x", "type": "c"}, "changeStatus": "added"}]},
        )
    )
    assert err.status_code == 400


def test_bulk_update_is_not_taken_as_atomic(gtm, seeded):
    """Nothing documents bulk_update as atomic: a failing change leaves the changes before it."""
    w = ws_api(gtm)
    tag = _bulk_lead(w, seeded)["changes"][2]["tag"]
    bad = {
        "changes": [
            {"tag": {**tag, "notes": "updated"}, "changeStatus": "updated"},
            {"trigger": {**ce_trigger("CE - lead", "x"), "triggerId": "new_1"}, "changeStatus": "added"},  # dup name
            {"trigger": {**ce_trigger("CE - other", "y"), "triggerId": "new_2"}, "changeStatus": "added"},
        ]
    }
    err = error_of(w.bulk_update(path=seeded, body=bad))
    assert err.status_code == 400 and err.reason == "Found entity with duplicate name."
    assert w.tags().get(path=tag["path"]).execute()["notes"] == "updated"
    names = [t["name"] for t in w.triggers().list(parent=seeded).execute()["trigger"]]
    assert "CE - other" not in names


def test_bulk_update_checks_the_fingerprints_it_is_given(gtm, seeded):
    w = ws_api(gtm)
    tag = _bulk_lead(w, seeded)["changes"][2]["tag"]
    w.tags().update(path=tag["path"], body={**tag, "notes": "by someone"}).execute()
    for status in ("updated", "deleted"):
        err = error_of(w.bulk_update(path=seeded, body={"changes": [{"tag": tag, "changeStatus": status}]}))
        assert err.status_code == 409
    assert w.tags().get(path=tag["path"]).execute()["notes"] == "by someone"


def test_bulk_update_refuses_too_many_changes_whole(gtm, seeded, fake_google, monkeypatch):
    monkeypatch.setattr(fake_google.gtm, "bulk_update_limit", 2)
    w = ws_api(gtm)
    changes = [
        {"trigger": {**ce_trigger(f"CE - {i}", f"e{i}"), "triggerId": f"new_{i}"}, "changeStatus": "added"}
        for i in range(1, 4)
    ]
    err = error_of(w.bulk_update(path=seeded, body={"changes": changes}))
    assert err.status_code == 400 and "at most 2" in err.reason
    assert not any(t["name"].startswith("CE - ") for t in w.triggers().list(parent=seeded).execute().get("trigger", []))


def _mini_export() -> dict:
    base = {"accountId": "6001234567", "containerId": "2002"}
    return {
        "exportFormatVersion": 2,
        "containerVersion": {
            **base,
            "containerVersionId": "4",
            "container": {**base, "name": "Mini", "publicId": "GTM-MINI01", "usageContext": ["WEB"]},
            "variable": [
                {
                    **base,
                    "variableId": "1",
                    "name": "Const",
                    "type": "c",
                    "parameter": [{"type": "TEMPLATE", "key": "value", "value": "G-X"}],
                },
                {
                    **base,
                    "variableId": "5",
                    "name": "DLV",
                    "type": "v",
                    "parameter": [{"type": "TEMPLATE", "key": "name", "value": "x"}],
                },
            ],
            "trigger": [
                {
                    **base,
                    "triggerId": "2",
                    "name": "CE",
                    "type": "CUSTOM_EVENT",
                    "customEventFilter": [
                        {
                            "type": "EQUALS",
                            "parameter": [
                                {"type": "TEMPLATE", "key": "arg0", "value": "{{_event}}"},
                                {"type": "TEMPLATE", "key": "arg1", "value": "lead"},
                            ],
                        }
                    ],
                }
            ],
            "tag": [
                {
                    **base,
                    "tagId": "3",
                    "name": "GA4",
                    "type": "gaawe",
                    "firingTriggerId": ["2"],
                    "tagFiringOption": "ONCE_PER_EVENT",
                    "parameter": [
                        {"type": "TEMPLATE", "key": "eventName", "value": "lead"},
                        {"type": "TEMPLATE", "key": "measurementIdOverride", "value": "{{Const}}"},
                    ],
                }
            ],
            "builtInVariable": [{**base, "type": "PAGE_URL", "name": "Page URL"}],
        },
    }


# ---------------------------------------------------------------------------- what GTM fills in
LINK_CLICK = {"name": "Link click", "type": "linkClick"}
FORM = {"name": "Form", "type": "formSubmission"}
HTML_TAG = {"name": "T", "type": "html", "parameter": [{"type": "template", "key": "html", "value": "<b></b>"}]}
CONSTANT = {"name": "C", "type": "c", "parameter": [{"type": "template", "key": "value", "value": "1"}]}


@pytest.mark.parametrize(
    "collection, body, field, filled",
    [
        ("triggers", LINK_CLICK, "waitForTagsTimeout", {"type": "template", "value": "2000"}),
        ("triggers", LINK_CLICK, "uniqueTriggerId", {"type": "template"}),
        ("triggers", LINK_CLICK, "waitForTags", {"type": "boolean", "value": "false"}),
        ("triggers", LINK_CLICK, "checkValidation", {"type": "boolean", "value": "false"}),
        ("triggers", FORM, "waitForTagsTimeout", {"type": "template", "value": "2000"}),
        ("triggers", FORM, "uniqueTriggerId", {"type": "template"}),
        ("tags", HTML_TAG, "tagFiringOption", "oncePerEvent"),
        ("tags", HTML_TAG, "monitoringMetadata", {"type": "map"}),
        ("tags", HTML_TAG, "consentSettings", {"consentStatus": "notSet"}),
        ("variables", CONSTANT, "formatValue", {}),
    ],
)
def test_gtm_fills_in_fields_a_create_and_an_update_leave_out(gtm, seeded, collection, body, field, filled):
    resource = getattr(ws_api(gtm), collection)()
    created = resource.create(parent=seeded, body=body).execute()
    assert created[field] == filled
    assert resource.get(path=created["path"]).execute()[field] == filled
    updated = resource.update(path=created["path"], body=body).execute()  # a full replace without it
    assert updated[field] == filled


@pytest.mark.parametrize(
    "collection, body",
    [
        ("triggers", {**LINK_CLICK, "waitForTagsTimeout": {"type": "template", "value": "500"}}),
        ("tags", {**HTML_TAG, "tagFiringOption": "oncePerLoad"}),
        ("tags", {**HTML_TAG, "consentSettings": {"consentStatus": "needed"}}),
        ("variables", {**CONSTANT, "formatValue": {"caseConversionType": "lowercase"}}),
    ],
)
def test_fields_a_request_sets_are_kept_as_sent(gtm, seeded, collection, body):
    created = getattr(ws_api(gtm), collection)().create(parent=seeded, body=body).execute()
    assert {k: created[k] for k in body if k != "parameter"} == {k: v for k, v in body.items() if k != "parameter"}


@pytest.mark.parametrize("kind", ["customEvent", "pageview", "click"])
def test_other_triggers_get_no_click_fields(gtm, seeded, kind):
    body = ce_trigger("CE", "e") if kind == "customEvent" else {"name": kind, "type": kind}
    created = ws_api(gtm).triggers().create(parent=seeded, body=body).execute()
    assert not {"waitForTags", "waitForTagsTimeout", "uniqueTriggerId", "checkValidation"} & set(created)


# ---------------------------------------------------------------------------- workspace life cycle
def workspace_names(gtm, container_path) -> list[str]:
    return sorted(w["name"] for w in ws_api(gtm).list(parent=container_path).execute().get("workspace", []))


def test_a_named_workspace_is_gone_after_its_version_and_does_not_come_back(fake_google, gtm):
    s = fake_google.seed_container_export(_mini_export(), account_id="6001234567")
    w = ws_api(gtm)
    mine = w.create(parent=s.container_path, body={"name": "goalkeeper"}).execute()
    w.variables().create(parent=mine["path"], body={"name": "Added", "type": "c"}).execute()
    answer = w.create_version(path=mine["path"], body={"name": "v2"}).execute()
    assert "containerVersion" in answer and "newWorkspacePath" not in answer
    assert workspace_names(gtm, s.container_path) == ["Default Workspace"]
    assert error_of(w.get(path=mine["path"])).status_code == 404


def test_a_version_from_the_default_workspace_brings_a_new_default_workspace(fake_google, gtm):
    s = fake_google.seed_container_export(_mini_export(), account_id="6001234567")
    w = ws_api(gtm)
    w.create(parent=s.container_path, body={"name": "goalkeeper"}).execute()
    answer = w.create_version(path=s.workspace_path, body={"name": "v2"}).execute()
    assert answer["newWorkspacePath"] != s.workspace_path
    assert w.get(path=answer["newWorkspacePath"]).execute()["name"] == "Default Workspace"
    assert workspace_names(gtm, s.container_path) == ["Default Workspace", "goalkeeper"]


def test_the_last_workspace_consumed_leaves_a_default_workspace(fake_google, gtm):
    ct = fake_google.gtm.add_container("6001234567", "1002", "GTM-TEST02", workspace_name="goalkeeper")
    w = ws_api(gtm)
    [only] = w.list(parent=ct.path).execute()["workspace"]
    answer = w.create_version(path=only["path"], body={"name": "v1"}).execute()
    assert w.get(path=answer["newWorkspacePath"]).execute()["name"] == "Default Workspace"
    assert workspace_names(gtm, ct.path) == ["Default Workspace"]
