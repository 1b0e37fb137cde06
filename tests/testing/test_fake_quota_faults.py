"""Quota, fault injection, concurrent edits and the request log of the fake, through the official clients."""

from __future__ import annotations

import time

import pytest
import requests
from googleapiclient.errors import HttpError

from goalkeeper.testing.fake_google import FakeGoogle


def no_sleep(req, clock=None):
    """googleapiclient sleeps rand()*2**n between retries; make that free (and move the fake clock)."""
    req._sleep = clock.sleep if clock is not None else (lambda s: None)
    return req


@pytest.fixture
def quota_fake(fake_clock):
    fake = FakeGoogle(clock=fake_clock, quota=True).start()
    fake.gtm.add_container("6001234567", "1001", "GTM-TEST01")
    yield fake
    fake.stop()


WS = "accounts/6001234567/containers/1001/workspaces/1"


def test_quota_25_per_100_seconds_sliding_window(quota_fake, fake_clock):
    tags = quota_fake.gtm_service().accounts().containers().workspaces().tags()
    for _ in range(10):
        tags.list(parent=WS).execute()
    fake_clock.advance(50)
    for _ in range(15):
        tags.list(parent=WS).execute()
    with pytest.raises(HttpError) as ei:
        tags.list(parent=WS).execute()
    err = ei.value
    assert err.status_code == 429
    assert err.reason.startswith("Quota exceeded for quota metric 'Queries'")
    assert quota_fake.requests[-1].status == 429
    fake_clock.advance(50)  # the first 10 leave the 100 s window, the other 15 do not
    for _ in range(10):
        tags.list(parent=WS).execute()
    with pytest.raises(HttpError):
        tags.list(parent=WS).execute()
    fake_clock.advance(100)
    assert tags.list(parent=WS).execute() == {}


def test_quota_is_gtm_only_and_switchable(quota_fake, fake_clock):
    quota_fake.ga4.add_property("123")
    admin = quota_fake.ga4_client()
    for _ in range(30):
        list(admin.list_data_streams(parent="properties/123"))
    tags = quota_fake.gtm_service().accounts().containers().workspaces().tags()
    quota_fake.quota.enabled = False
    for _ in range(30):
        tags.list(parent=WS).execute()
    quota_fake.quota.enabled = True
    for _ in range(25):
        tags.list(parent=WS).execute()
    with pytest.raises(HttpError):
        tags.list(parent=WS).execute()


def test_daily_quota(quota_fake, fake_clock):
    assert quota_fake.quota.per_day == 10_000
    quota_fake.quota.per_day = 30  # same mechanism, fewer requests to reach it
    tags = quota_fake.gtm_service().accounts().containers().workspaces().tags()
    for i in range(30):
        if i and i % 25 == 0:
            fake_clock.advance(101)
        tags.list(parent=WS).execute()
    fake_clock.advance(101)
    with pytest.raises(HttpError) as ei:
        tags.list(parent=WS).execute()
    assert ei.value.status_code == 429 and "Queries per day" in ei.value.reason
    fake_clock.advance(86400)  # next Pacific day
    tags.list(parent=WS).execute()


def test_quota_403_variant_is_retried_by_googleapiclient(fake_clock):
    with FakeGoogle(clock=fake_clock, quota=True, quota_mode="403") as fake:
        fake.gtm.add_container("6001234567", "1001", "GTM-TEST01")
        tags = fake.gtm_service().accounts().containers().workspaces().tags()
        for _ in range(25):
            tags.list(parent=WS).execute()
        with pytest.raises(HttpError) as ei:
            tags.list(parent=WS).execute()
        assert ei.value.status_code == 403
        assert ei.value.error_details[0]["reason"] == "rateLimitExceeded"
        # the retry sleeps move the fake clock until the window frees up
        assert no_sleep(tags.list(parent=WS), fake_clock).execute(num_retries=10) == {}
        assert [r.status for r in fake.requests[-3:]][-1] == 200


def test_status_faults_and_retries(fake_google, gtm, seeded):
    tags = gtm.accounts().containers().workspaces().tags()
    fake_google.faults.add(method="POST", path_contains="/tags", kind="status", status=503, times=1)
    with pytest.raises(HttpError) as ei:
        tags.create(parent=seeded, body={"name": "a", "type": "html"}).execute()
    assert ei.value.status_code == 503
    assert tags.list(parent=seeded).execute() == {}  # the failed create did nothing
    fake_google.faults.add(api="gtm", kind="status", status=429, times=2)
    no_sleep(tags.create(parent=seeded, body={"name": "a", "type": "html"})).execute(num_retries=3)
    assert [r.status for r in fake_google.requests[-3:]] == [429, 429, 200]
    n = fake_google.request_count
    fake_google.faults.add(at_request=n + 2, kind="status", status=500)
    tags.list(parent=seeded).execute()
    with pytest.raises(HttpError) as ei:
        tags.list(parent=seeded).execute()
    assert ei.value.status_code == 500
    assert tags.list(parent=seeded).execute()["tag"][0]["name"] == "a"


def test_dropped_connection(fake_google, gtm, seeded):
    tags = gtm.accounts().containers().workspaces().tags()
    # httplib2 silently re-sends once after a dropped connection, so drop three times
    fake_google.faults.add(kind="drop", api="gtm", times=3)
    with pytest.raises((ConnectionError, OSError)):
        tags.list(parent=seeded).execute()
    assert any(r.status is None and r.fault == "drop" for r in fake_google.requests)
    fake_google.faults.add(kind="drop", api="gtm", times=3)
    assert no_sleep(tags.list(parent=seeded)).execute(num_retries=3) == {}
    n = fake_google.request_count
    fake_google.ga4.add_property("123")
    fake_google.faults.add(at_request=n + 1, kind="drop")
    with pytest.raises(requests.exceptions.ConnectionError):  # the gapic REST transport does not re-send
        list(fake_google.ga4_client().list_key_events(parent="properties/123"))
    assert fake_google.requests[n].fault == "drop"
    assert list(fake_google.ga4_client().list_key_events(parent="properties/123")) == []


def test_lost_answer_carries_the_request_out(fake_google, gtm, seeded):
    folders = gtm.accounts().containers().workspaces().folders()
    # httplib2 re-sends once after a dropped connection: lose both answers
    fake_google.faults.add(kind="lost", api="gtm", method="POST", times=2)
    with pytest.raises((ConnectionError, OSError)):
        folders.create(parent=seeded, body={"name": "made"}).execute()
    assert [r.fault for r in fake_google.requests_for("gtm", "POST")] == ["lost", "lost"]
    listed = [f["name"] for f in folders.list(parent=seeded).execute().get("folder", [])]
    assert listed == ["made"]  # the first was carried out; the second was refused as a duplicate


def test_latency_uses_the_clock(fake_google, gtm, seeded, fake_clock):
    fake_google.faults.add(kind="latency", seconds=30, api="gtm", times=None)
    t0, wall = fake_clock.now(), time.monotonic()
    tags = gtm.accounts().containers().workspaces().tags()
    tags.list(parent=seeded).execute()
    tags.list(parent=seeded).execute()
    assert fake_clock.now() - t0 == 60 and time.monotonic() - wall < 1


def test_concurrent_edit_between_requests(fake_google, gtm, seeded):
    tags = gtm.accounts().containers().workspaces().tags()
    tag = tags.create(parent=seeded, body={"name": "Mine", "type": "html"}).execute()
    got = tags.get(path=tag["path"]).execute()
    fake_google.faults.before_request(
        fake_google.request_count + 1, lambda fake: fake.gtm.edit_entity(tag["path"], name="Someone else's")
    )
    with pytest.raises(HttpError) as ei:
        tags.update(path=tag["path"], fingerprint=got["fingerprint"], body={**got, "notes": "mine"}).execute()
    assert ei.value.status_code == 409
    now = tags.get(path=tag["path"]).execute()
    assert now["name"] == "Someone else's" and int(now["fingerprint"]) > int(got["fingerprint"])


def test_request_log(fake_google, gtm, seeded):
    fake_google.ga4.add_property("123")
    gtm.accounts().containers().workspaces().tags().list(parent=seeded, pageToken="0").execute()
    list(fake_google.ga4_client().list_key_events(parent="properties/123"))
    g, a = fake_google.requests[-2:]
    assert (g.method, g.path, g.status, g.api) == ("GET", f"/tagmanager/v2/{seeded}/tags", 200, "gtm")
    assert "pageToken=0" in g.full_path and g.query["pageToken"] == ["0"]
    assert (a.method, a.path, a.status, a.api) == ("GET", "/v1beta/properties/123/keyEvents", 200, "ga4")
    assert [r.n for r in fake_google.requests] == list(range(1, fake_google.request_count + 1))
    assert fake_google.requests_for("ga4") == [a]
