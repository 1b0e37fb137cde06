"""Each error reason Google documents for the Tag Manager API and the Admin API gets its own retry
decision and its own advice: a quota answered as 403 is waited out and ends with the quota
message, a missing quota project is not retried and says how to set one."""

from __future__ import annotations

import pytest

from goalkeeper.backends.calls import ADMIN_API_ERRORS, TAG_MANAGER_ERRORS, Failure, advice_for, failure_for

QUOTA_PROJECT = (
    "Your application is authenticating by using local Application Default Credentials. The "
    "tagmanager.googleapis.com API requires a quota project, which is not set by default."
)


@pytest.mark.parametrize("table", [TAG_MANAGER_ERRORS, ADMIN_API_ERRORS], ids=["tag-manager", "admin"])
@pytest.mark.parametrize(
    ("status", "reasons", "message", "failure"),
    [
        (429, [], "Quota exceeded for quota metric 'Queries'", Failure.RATE),
        (403, ["rateLimitExceeded"], "Rate limit exceeded", Failure.RATE),
        (403, ["userRateLimitExceeded"], "User rate limit exceeded", Failure.RATE),
        (403, ["quotaExceeded"], "Quota exceeded", Failure.RATE),
        (403, [], "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'", Failure.RATE),
        (403, ["SERVICE_DISABLED", "PERMISSION_DENIED"], QUOTA_PROJECT, Failure.FINAL),
        (403, ["forbidden"], QUOTA_PROJECT, Failure.FINAL),
        (403, ["accessNotConfigured"], "Tag Manager API has not been used in project 1 before", Failure.FINAL),
        (403, ["USER_PROJECT_DENIED"], "Caller does not have required permission to use project p", Failure.FINAL),
        (403, ["forbidden"], "The caller does not have permission", Failure.FINAL),
        (401, [], "Request had invalid authentication credentials", Failure.FINAL),
        (400, ["invalid"], "Found entity with duplicate name.", Failure.FINAL),
        (500, ["backendError"], "Backend Error", Failure.SERVER),
        (503, [], "The service is currently unavailable", Failure.SERVER),
    ],
)
def test_each_documented_reason_has_its_retry_decision(table, status, reasons, message, failure):
    assert failure_for(table, status, reasons, message) is failure


def test_a_daily_quota_is_not_waited_out_for_minutes_it_comes_back_at_midnight_pacific():
    message = "Quota exceeded for quota metric 'Queries' and limit 'Queries per day'"
    assert failure_for(TAG_MANAGER_ERRORS, 429, ["rateLimitExceeded"], message) is Failure.FINAL
    assert "midnight Pacific time" in advice_for(TAG_MANAGER_ERRORS, 429, [], message)


@pytest.mark.parametrize(
    ("table", "api"),
    [(TAG_MANAGER_ERRORS, "tagmanager.googleapis.com"), (ADMIN_API_ERRORS, "analyticsadmin.googleapis.com")],
)
def test_a_missing_quota_project_says_how_to_set_one(table, api):
    advice = advice_for(table, 403, ["SERVICE_DISABLED"], QUOTA_PROJECT)
    assert "gcloud auth application-default set-quota-project PROJECT_ID" in advice
    assert f"gcloud services enable {api}" in advice


@pytest.mark.parametrize("table", [TAG_MANAGER_ERRORS, ADMIN_API_ERRORS])
def test_every_reason_cites_its_source(table):
    assert all(row.source for row in table.values())
