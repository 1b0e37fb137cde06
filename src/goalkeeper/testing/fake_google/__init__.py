"""A local fake of the Google Tag Manager API v2 and the GA4 Admin API (v1beta and v1alpha).

What it is for: testing goalkeeper's live backends (plan/apply against GTM workspaces and GA4
properties) and benchmarking them, and testing goal files, without a Google account or network.
Users import it from ``goalkeeper.testing``, whose docstring says which parts are stable. The official clients talk
to it unchanged; it follows the APIs' wire format (string ids, string ms-timestamp fingerprints,
singular list keys, lowerCamel GTM enums, Google's JSON error shape, GTM quota).

Usage::

    from goalkeeper.testing.fake_google import FakeGoogle, FakeClock

    clock = FakeClock()
    with FakeGoogle(clock=clock, quota=False) as fake:          # 127.0.0.1, free port, thread
        seeded = fake.seed_container_export("goals/example-container.json",
                                            account_id="6001234567", public_id="GTM-ABC123")
        prop = fake.seed_ga4_snapshot({"property": "properties/123456789", "keyEvents": [...]})

        svc = fake.gtm_service()       # build("tagmanager", "v2", static_discovery=True,
                                       #       credentials=AnonymousCredentials(),
                                       #       client_options={"api_endpoint": fake.url})
        svc.accounts().containers().workspaces().tags().list(parent=seeded.workspace_path).execute()
        admin = fake.ga4_client("v1beta")  # AnalyticsAdminServiceClient(transport="rest", ...)
        list(admin.list_key_events(parent=prop))

        fake.quota.enabled = True                          # 25 GTM requests / 100 s, 10,000 / day
        fake.faults.add(at_request=5, kind="drop")         # see faults.py
        fake.faults.before_request(7, lambda f: f.gtm.edit_entity(tag_path, name="renamed"))
        [(r.method, r.path, r.status, r.api) for r in fake.requests]

Or start/stop explicitly: ``fake = FakeGoogle().start(); ...; fake.stop()``. Pytest fixtures live in
``tests/conftest.py`` (``fake_google``, ``fake_clock``).

Programmatic seeding: ``fake.gtm.add_container(account_id, container_id=None, public_id=None, name=None,
usage_context=("web",), workspace_name="Default Workspace")``, ``fake.seed_synthetic_container(n)``
(n = 10, 100, 1000 ... entities), ``fake.ga4.add_property(id)``, ``fake.ga4.add_data_stream(...)``,
``fake.ga4.seed(collection, property_id, item)``.

Status-code choices where Google's answer is undocumented (details in gtm.py / ga4.py docstrings):
stale fingerprint -> 409 ABORTED; 4th workspace -> 400 FAILED_PRECONDITION; bulk_update not atomic, at
most 100 changes a request (400 INVALID_ARGUMENT past it), fingerprints checked; quota -> 429
RESOURCE_EXHAUSTED (or 403 rateLimitExceeded with ``quota_mode="403"``); unknown GA4 property -> 403.
"""

from .clock import FakeClock, RealClock
from .errors import ApiError
from .faults import Fault, Faults
from .quota import Quota
from .seed import SeededContainer, seed_container_export, seed_ga4_snapshot, synthetic_container_export
from .server import FakeGoogle, RequestRecord

__all__ = [
    "ApiError",
    "FakeClock",
    "FakeGoogle",
    "Fault",
    "Faults",
    "Quota",
    "RealClock",
    "RequestRecord",
    "SeededContainer",
    "seed_container_export",
    "seed_ga4_snapshot",
    "synthetic_container_export",
]
