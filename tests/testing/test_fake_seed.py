"""Seeding the fake from real container exports and synthetic containers, read back through googleapiclient."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from goalkeeper.testing.fake_google import synthetic_container_export
from goalkeeper.testing.fake_google.enums import camel_to_upper
from tests.conftest import export_params, shared_exports

# the real exports live beside the checkout in ../shared/containers (tests skip when it is absent)
EXPORTS = export_params(shared_exports())
LISTS = {
    "tags": "tag",
    "triggers": "trigger",
    "variables": "variable",
    "folders": "folder",
    "templates": "customTemplate",
    "clients": "client",
}


def list_all(resource, key, **kw):
    items, req = [], resource.list(**kw)
    while req is not None:
        resp = req.execute()
        items += resp.get(key, [])
        req = resource.list_next(req, resp)
    return items


def seeded_export(fake_google, path: Path):
    """The export as the fake's container GTM-ABC123, and the export's containerVersion."""
    export = json.loads(path.read_text(encoding="utf-8"))
    seeded = fake_google.seed_container_export(export, account_id="6001234567", public_id="GTM-ABC123")
    return seeded, export["containerVersion"]


@pytest.mark.parametrize("kind", LISTS)
@pytest.mark.parametrize("path", EXPORTS)
def test_every_entity_of_a_real_export_lists_back(fake_google, gtm, path, kind):
    s, cv = seeded_export(fake_google, path)
    key = LISTS[kind]
    w = gtm.accounts().containers().workspaces()
    listed = list_all(getattr(w, kind)(), "template" if key == "customTemplate" else key, parent=s.workspace_path)
    assert len(listed) == len(cv.get(key, [])), kind
    assert sorted(e["name"] for e in listed) == sorted(e["name"] for e in cv.get(key, []))


@pytest.mark.parametrize("path", EXPORTS)
def test_a_real_export_is_the_live_version_in_the_apis_own_spelling(fake_google, gtm, path):
    s, cv = seeded_export(fake_google, path)
    w = gtm.accounts().containers().workspaces()
    builtins = list_all(w.built_in_variables(), "builtInVariable", parent=s.workspace_path)
    assert sorted(b["type"] for b in builtins) == sorted({_camel(b["type"]) for b in cv.get("builtInVariable", [])})
    # enums converted to the API's lowerCamel, e.g. YOU_TUBE_VIDEO -> youTubeVideo, TEMPLATE -> template
    for trig in list_all(w.triggers(), "trigger", parent=s.workspace_path):
        assert trig["type"][0].islower() and camel_to_upper(trig["type"]) in {t["type"] for t in cv["trigger"]}
    for tag in list_all(w.tags(), "tag", parent=s.workspace_path):
        assert all(p["type"][0].islower() for p in tag.get("parameter", []))
    # the export is also the container's live version and the workspace has no changes
    ct = gtm.accounts().containers()
    assert ct.lookup(tagId="GTM-ABC123").execute()["path"] == s.container_path
    live = ct.versions().live(parent=s.container_path).execute()
    assert len(live.get("tag", [])) == len(cv.get("tag", []))
    assert w.getStatus(path=s.workspace_path).execute() == {}


def _camel(x):
    first, *rest = x.lower().split("_")
    return first + "".join(p.capitalize() for p in rest)


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_synthetic_containers_compile_and_list(fake_google, gtm, n):
    export = synthetic_container_export(n, public_id=f"GTM-SYN{n}")
    cv = export["containerVersion"]
    total = sum(len(cv[k]) for k in ("tag", "trigger", "variable", "folder"))
    assert abs(total - n) <= 3
    s = fake_google.seed_container_export(export, container_id=str(5000 + n))
    w = gtm.accounts().containers().workspaces()
    assert len(list_all(w.tags(), "tag", parent=s.workspace_path)) == len(cv["tag"])
    resp = w.create_version(path=s.workspace_path, body={"name": "synthetic"}).execute()
    assert resp["compilerError"] is False and "containerVersion" in resp


def test_programmatic_container_and_exports_into_separate_containers(fake_google, gtm):
    ct = fake_google.gtm.add_container("6001234567", "42", "GTM-PROG01", name="Prog")
    assert gtm.accounts().containers().get(path=ct.path).execute()["publicId"] == "GTM-PROG01"
    a = fake_google.seed_container_export(
        synthetic_container_export(10), account_id="6001234567", container_id="43", public_id="GTM-A"
    )
    b = fake_google.seed_container_export(
        synthetic_container_export(10), account_id="6001234567", container_id="44", public_id="GTM-B"
    )
    listed = gtm.accounts().containers().list(parent="accounts/6001234567").execute()["container"]
    assert {c["publicId"] for c in listed} == {"GTM-PROG01", "GTM-A", "GTM-B"}
    assert a.workspace_path != b.workspace_path
    # new entity ids do not collide with seeded ones
    tag = (
        gtm.accounts()
        .containers()
        .workspaces()
        .tags()
        .create(parent=a.workspace_path, body={"name": "new", "type": "html"})
        .execute()
    )
    seeded_ids = {t["tagId"] for t in synthetic_container_export(10)["containerVersion"]["tag"]}
    assert tag["tagId"] not in seeded_ids


def test_runs_as_a_subprocess(tmp_path):
    import subprocess
    import sys

    from google.auth.credentials import AnonymousCredentials
    from googleapiclient.discovery import build

    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")
    env = {**os.environ, "PYTHONPATH": os.path.abspath(src)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "goalkeeper.testing.fake_google", "--no-quota", "--synthetic", "20"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = proc.stdout.readline().split()[1]
        ws_path = proc.stdout.readline().split()[1]
        svc = build(
            "tagmanager",
            "v2",
            static_discovery=True,
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": url},
        )
        assert len(svc.accounts().containers().workspaces().tags().list(parent=ws_path).execute()["tag"]) > 1
    finally:
        proc.terminate()
        proc.wait(timeout=5)
