"""The goalkeeper command end to end against the fake Google APIs (GOALKEEPER_API_ENDPOINT)."""

from __future__ import annotations

import re

import pytest

from tests import cli_helpers
from tests.backends.conftest import ACCOUNT, CHECKOUT, CLICK, VIDEO, write_goals
from tests.conftest import EXAMPLES


@pytest.fixture
def goals(cli_on_fake, in_tmp_path):
    return write_goals(in_tmp_path / "goals.yaml", [CLICK, CHECKOUT, VIDEO], cli_on_fake.container_id)


@pytest.fixture
def container(cli_on_fake, fake_google):
    """The fake's state of the example container the goal file targets."""
    return fake_google.gtm.accounts[ACCOUNT].containers[cli_on_fake.container_id]


def run(*args):
    result = cli_helpers.run(*args)
    return result, result.output  # stdout and stderr, as the user sees them


def assert_clean(result, text):
    assert ("Traceback" not in text and result.exception is None) or isinstance(result.exception, SystemExit)
    assert "ya29." not in text and "Bearer" not in text and "access_token" not in text


def test_plan_apply_then_publish_a_named_version(goals, container):
    result, text = run("plan", goals)
    assert result.exit_code == 0, text
    assert "GA4 event - checkout_click" in text and "checkout_page_view" in text
    result, text = run("apply", goals, "--auto-approve")
    assert result.exit_code == 0, text
    assert "Apply complete." in text
    result, text = run("plan", goals, "--detailed-exitcode")
    assert result.exit_code == 0 and "No changes" in text, text
    result, text = run(
        "apply",
        goals,
        "--auto-approve",
        "--publish",
        "--version-name",
        "release 1",
        "--version-notes",
        "from the tests",
    )
    assert result.exit_code == 0, text
    version = container.versions[container.live_version_id]
    assert (version.name, version.description) == ("release 1", "from the tests")
    assert "Published GTM container version" in text


def test_publish_name_defaults_to_the_commit(goals, container):
    result, text = run("apply", goals, "--auto-approve", "--publish")
    assert result.exit_code == 0, text
    assert container.versions[container.live_version_id].name.startswith("goalkeeper")


def test_unknown_ga4_property_is_a_clear_error(goals, fake_google):
    goals.write_text(goals.read_text().replace("'123456789'", "'999999'").replace("123456789", "999999"))
    result, text = run("plan", goals)
    assert result.exit_code == 1, text
    assert "Property access management" in text and "999999" in text
    assert_clean(result, text)


def test_gtm_permission_denied_is_a_clear_error(goals, fake_google):
    fake_google.faults.add(
        kind="status", status=403, api="gtm", message="The caller does not have permission", times=None
    )
    result, text = run("plan", goals)
    assert result.exit_code == 1, text
    assert "Read permission" in text and "User Management" in text and "tagmanager.readonly" in text
    assert_clean(result, text)


def test_gtm_write_permission_denied_names_edit(goals, fake_google):
    fake_google.faults.add(
        kind="status", status=403, api="gtm", method="POST", message="The caller does not have permission", times=None
    )
    result, text = run("apply", goals, "--auto-approve")
    assert result.exit_code == 1, text
    assert "Edit permission" in text and "tagmanager.edit.containers" in text
    assert_clean(result, text)


def test_lost_connection_is_a_clear_error_and_apply_again_converges(goals, fake_google):
    fake_google.faults.add(kind="drop", api="gtm", method="POST", times=None)  # every write is lost
    result, text = run("apply", goals, "--auto-approve")
    assert result.exit_code == 1, text
    assert "run apply again" in text.lower()
    assert_clean(result, text)
    fake_google.faults.clear()
    result, text = run("apply", goals, "--auto-approve")
    assert result.exit_code == 0, text
    result, text = run("plan", goals)
    assert "No changes" in text


def test_a_saved_plan_applies_once_and_a_version_published_meanwhile_makes_it_stale(goals, fake_google, container):
    result, text = run("plan", goals, "--out", "plan.json")
    assert result.exit_code == 0, text
    result, text = run("apply", "plan.json")
    assert result.exit_code == 0 and "Apply complete." in text, text

    # a second reviewed plan, then someone publishes another workspace before it is applied
    goals.write_text(goals.read_text().replace("/checkout", "/checkout/start", 1))
    assert run("plan", goals, "--out", "plan.json")[0].exit_code == 0
    service = fake_google.gtm_service()
    workspaces = service.accounts().containers().workspaces()
    other = workspaces.create(parent=container.path, body={"name": "hand edits"}).execute()
    workspaces.create_version(path=other["path"], body={"name": "published by hand"}).execute()
    before = fake_google.request_count
    result, text = run("apply", "plan.json")
    assert result.exit_code == 3, text
    assert_clean(result, text)
    writes = [r for r in fake_google.requests[before:] if r.method in ("POST", "PUT", "DELETE")]
    assert writes == []


@pytest.mark.parametrize("example", ["shop.yaml", "b2b.yaml", "content.yaml"])
def test_every_example_applies_to_a_live_container_and_property(
    example, cli_on_fake, fake_google, fake_clock, tmp_path, monkeypatch
):
    # The GTM limiter waits on the simulated clock, should the apply need more than one quota window.
    monkeypatch.setattr("goalkeeper.backends.gtm_live.Clock", lambda: fake_clock)
    fake_google.quota.enabled = True
    text = (EXAMPLES / example).read_text()
    text = re.sub(r"  gtm: \{container_file: [^}]*\}", f'  gtm: {{account: "{ACCOUNT}", container: GTM-ABC123}}', text)
    text = re.sub(r"  ga4: \{snapshot_file: [^}]*\}", '  ga4: {property: "123456789"}', text)
    goals = tmp_path / example
    goals.write_text(text)
    result, text = run("apply", goals, "--auto-approve")
    assert result.exit_code == 0 and "Apply complete." in text, text
    assert fake_google.quota.refused == 0  # paced by the quota, never refused by it
    assert len(fake_google.requests_for("gtm")) <= 12  # bulk writes: well within one quota window
    result, text = run("plan", goals, "--detailed-exitcode")
    assert result.exit_code == 0 and "No changes" in text, text


def test_publishing_without_changes_makes_no_empty_version(goals, container):
    assert run("apply", goals, "--auto-approve", "--publish")[0].exit_code == 0
    versions = set(container.versions)
    result, text = run("apply", goals, "--auto-approve", "--publish")
    assert result.exit_code == 0, text
    assert "Nothing to publish" in text
    assert set(container.versions) == versions


LOGGED_REQUEST = re.compile(r"msg=request method=(\S+) path=(\S+) status=(\S+) duration_ms=\d+ retries=(\d+)")


def test_debug_logs_every_api_request_as_the_server_saw_it(goals, fake_google):
    fake_google.faults.add(kind="status", status=503, api="gtm", method="GET", times=1)  # one retried read
    result, _ = run("--debug", "apply", goals, "--auto-approve", "--publish")
    assert result.exit_code == 0, result.output
    logged = [m.groups() for m in map(LOGGED_REQUEST.search, result.stderr.splitlines()) if m]
    answered = [(r.method, r.path, str(r.status)) for r in fake_google.requests if r.status != 503]
    assert [(method, path, status) for method, path, status, _ in logged] == answered
    assert [retries for *_, retries in logged].count("1") == 1
    assert any(path.endswith(":publish") for _, path, *_ in logged)
    assert_clean(result, result.stderr)


def test_the_log_level_can_come_from_the_environment(goals, fake_google, monkeypatch):
    monkeypatch.setenv("GOALKEEPER_LOG", "debug")
    result, _ = run("plan", goals)
    assert result.exit_code == 0
    assert result.stderr.count("msg=request") == fake_google.request_count
    monkeypatch.delenv("GOALKEEPER_LOG")
    result, _ = run("plan", goals)
    assert "msg=request" not in result.stderr


def test_in_ci_every_change_and_every_quota_wait_is_a_line_of_the_log(fake_google, fake_clock, tmp_path, monkeypatch):
    monkeypatch.setattr("goalkeeper.backends.gtm_live.Clock", lambda: fake_clock)
    monkeypatch.setenv("GOALKEEPER_GTM_REQUESTS_PER_100S", "3")  # a quota shared with other tools: waits
    fake_google.seed_container_export(EXAMPLES / "example-container.json", account_id=ACCOUNT, public_id="GTM-ABC123")
    fake_google.seed_ga4_snapshot(EXAMPLES / "example-ga4.json")
    monkeypatch.setenv("GOALKEEPER_API_ENDPOINT", fake_google.url)
    text = (EXAMPLES / "shop.yaml").read_text()
    text = re.sub(r"  gtm: \{container_file: [^}]*\}", f'  gtm: {{account: "{ACCOUNT}", container: GTM-ABC123}}', text)
    text = re.sub(r"  ga4: \{snapshot_file: [^}]*\}", '  ga4: {property: "123456789"}', text)
    (tmp_path / "shop.yaml").write_text(text)
    result, _ = run("apply", tmp_path / "shop.yaml", "--auto-approve")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    total = int(re.search(r"Apply complete\. (\d+) added", result.stdout).group(1))
    assert [int(m.group(1)) for m in map(re.compile(r"^\[(\d+)/(\d+)\] ").match, lines) if m] == list(
        range(1, total + 1)
    )
    assert any(re.fullmatch(r"Waiting \d+s for the API quota \(3 requests per 100 seconds\)\.", line) for line in lines)
    assert "\r" not in result.stderr and "\x1b[" not in result.stderr  # nothing that redraws in a log


def test_ctrl_c_during_a_saved_plan_says_to_plan_again(goals, fake_google, monkeypatch):
    from goalkeeper.backends.gtm_live import GTMLiveBackend

    assert run("plan", goals, "--out", "plan.json")[0].exit_code == 0
    write = GTMLiveBackend._send_bulk

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt  # while GTM's changes are sent: GA4's went first

    monkeypatch.setattr(GTMLiveBackend, "_send_bulk", interrupted)
    result, text = run("apply", "plan.json")
    assert result.exit_code == 130, text
    assert re.search(r"Interrupted: \d+ of \d+ changes were applied before the interruption\.", result.stderr)
    assert "Plan again (`goalkeeper plan --out`)" in result.stderr
    assert "Apply complete" not in text
    monkeypatch.setattr(GTMLiveBackend, "_send_bulk", write)
    assert run("apply", "plan.json")[0].exit_code == 3  # the saved plan is out of date now
    assert run("apply", goals, "--auto-approve")[0].exit_code == 0
    result, text = run("plan", goals, "--detailed-exitcode")
    assert result.exit_code == 0, text
