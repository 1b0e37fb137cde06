"""Errors that used to mislead, against the fake through the real client libraries: a quota Google
answers as 403 rateLimitExceeded is waited out and then reported as the quota, never as a missing
permission; a 403 for a missing quota project (Application Default Credentials) is not retried and
says how to set one."""

from __future__ import annotations

import pytest

from goalkeeper.core.errors import GoalkeeperError
from tests.backends.conftest import CLICK

QUOTA_PROJECT = (
    "Your application is authenticating by using local Application Default Credentials. The {api} API "
    "requires a quota project, which is not set by default."
)


def failing(live, fake, api: str, reason: str, message: str):
    fake.faults.add(kind="status", status=403, api=api, reason=reason, message=message, times=None)
    project = live.project([CLICK], gtm=api == "gtm", ga4=api == "ga4")
    with pytest.raises(GoalkeeperError) as error:
        project.plan()
    sent = [r for r in fake.requests if r.api == api]
    return str(error.value), sent


@pytest.mark.parametrize("api", ["gtm", "ga4"])
def test_a_persistent_403_rate_limit_ends_with_the_quota_message_after_waiting(live, fake_google, api):
    text, sent = failing(live, fake_google, api, "rateLimitExceeded", "Rate Limit Exceeded")
    assert "quota" in text.lower() and "stayed exhausted" in text, text
    assert "permission" not in text.lower(), text
    assert len(sent) == 8  # tried again with backoff: the quota comes back within minutes


@pytest.mark.parametrize(
    ("api", "service"), [("gtm", "tagmanager.googleapis.com"), ("ga4", "analyticsadmin.googleapis.com")]
)
def test_a_missing_quota_project_is_not_retried_and_says_how_to_set_one(live, fake_google, api, service):
    text, sent = failing(live, fake_google, api, "SERVICE_DISABLED", QUOTA_PROJECT.format(api=service))
    assert "gcloud auth application-default set-quota-project PROJECT_ID" in text, text
    assert f"gcloud services enable {service}" in text, text
    assert "Read permission" not in text and "Property access management" not in text, text
    assert len(sent) == 1


@pytest.mark.parametrize("api", ["gtm", "ga4"])
def test_an_api_not_enabled_in_the_project_says_to_enable_it(live, fake_google, api):
    text, sent = failing(live, fake_google, api, "accessNotConfigured", "The API has not been used in project 42")
    assert "is not enabled in the Google Cloud project" in text, text
    assert len(sent) == 1
