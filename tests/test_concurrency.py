"""Two goalkeeper runs at once never lose each other's work, on file targets and on live ones.

A team applies from CI while someone applies from a laptop, or a saved plan is applied while
another apply runs: the runs take turns on a file target (its lock file), a file changed by another
program between goalkeeper's read and its write is never overwritten (exit 3: plan again), and two
live applies of one goal file never make the same GA4 audience twice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from goalkeeper.core.errors import StalePlanError
from goalkeeper.files import TargetLock
from goalkeeper.project import open_project
from goalkeeper.testing.fake_google import FakeGoogle
from tests.backends.conftest import CLICK, write_goals
from tests.cli_helpers import run
from tests.conftest import ACCOUNT, EXAMPLES, PROPERTY, THREE_GOALS

REPO = Path(__file__).resolve().parent.parent


# goalkeeper, pausing between reading a file target and writing it: two runs started together
# then surely both read before either writes, the moment a lost update happens.
SLOW_WRITER = """
import sys, time
from goalkeeper.backends.json_file import JsonFileTarget
save = JsonFileTarget.save
JsonFileTarget.save = lambda self, document: (time.sleep(1.5), save(self, document))[1]
from goalkeeper.cli import app
sys.argv[0] = "goalkeeper"
app()
"""


def goalkeeper(
    *args: str, cwd: Path, env: dict[str, str] | None = None, slow_write: bool = False
) -> subprocess.Popen[str]:
    """Start ``goalkeeper args`` in its own process (as a second terminal or CI job would)."""
    command = ["-c", SLOW_WRITER] if slow_write else ["-m", "goalkeeper"]
    return subprocess.Popen(
        [sys.executable, *command, *args],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out + err


def tag_names(export: Path) -> set[str]:
    return {t["name"] for t in json.loads(export.read_text())["containerVersion"].get("tag", [])}


@pytest.fixture
def two_teams(three_goal_project: Path) -> Path:
    """One container export and GA4 snapshot, and two goal files writing different goals to them."""
    header = THREE_GOALS.split("goals:\n")[0]
    checkout = "goals:\n  - name: checkout_click\n    kind: link_click\n    url_contains: /checkout\n"
    # its own event: the example property's enhanced measurement already sends form_submit
    newsletter = (
        "goals:\n  - name: newsletter_signup\n    kind: form_submit\n    form_id: newsletter\n    event_name: sign_up\n"
    )
    (three_goal_project / "shop.yaml").write_text(header + checkout)
    (three_goal_project / "blog.yaml").write_text(header + newsletter)
    return three_goal_project


def test_two_applies_at_once_on_one_export_both_land(two_teams: Path):
    export = two_teams / "example-container.json"
    # Each applies only its own goals (--goal), so neither removes the other's.
    first = goalkeeper(
        "apply", "shop.yaml", "--goal", "checkout_click", "--auto-approve", cwd=two_teams, slow_write=True
    )
    second = goalkeeper(
        "apply", "blog.yaml", "--goal", "newsletter_signup", "--auto-approve", cwd=two_teams, slow_write=True
    )
    results = [finished(first), finished(second)]
    assert [code for code, _ in results] == [0, 0], results
    assert {"GA4 event - checkout_click", "GA4 event - newsletter_signup"} <= tag_names(export)
    assert "Traceback" not in "".join(text for _, text in results)


def test_an_apply_waits_for_the_run_holding_the_lock_and_says_so_when_it_gives_up(three_goal_project: Path):
    export = three_goal_project / "example-container.json"
    before = export.read_bytes()
    with TargetLock(export, "container export"):
        code, text = finished(
            goalkeeper(
                "apply", "shop.yaml", "--auto-approve", cwd=three_goal_project, env={"GOALKEEPER_LOCK_TIMEOUT": "0.2"}
            )
        )
    assert code == 1, text
    assert "another goalkeeper run is writing this container export" in text and "example-container.json" in text
    assert "Traceback" not in text and export.read_bytes() == before


def test_a_lock_held_by_a_run_that_died_is_released(three_goal_project: Path):
    export = three_goal_project / "example-container.json"
    killed = (
        "import os, sys, goalkeeper.files as f; f.TargetLock(sys.argv[1], 'x').__enter__(); os.kill(os.getpid(), 9)"
    )
    holder = subprocess.Popen([sys.executable, "-c", killed, str(export)])
    assert holder.wait(timeout=60) == -9  # killed holding the lock, never releasing it
    assert run("apply", three_goal_project / "shop.yaml", "--auto-approve").exit_code == 0


def test_a_file_changed_between_read_and_write_is_not_overwritten(three_goal_project: Path):
    export = three_goal_project / "example-container.json"
    project = open_project(three_goal_project / "shop.yaml")
    plan = project.plan()
    edited = export.read_text().replace('"containerVersion"', '"containerVersion" ', 1)  # someone saved it again
    export.write_text(edited)
    with pytest.raises(StalePlanError, match="changed since goalkeeper read it.*plan again") as error:
        project.apply(plan)
    assert error.value.exit_code == 3
    assert export.read_text() == edited


def test_a_file_changed_after_the_plan_on_screen_stops_the_apply_with_status_3(three_goal_project: Path, monkeypatch):
    export = three_goal_project / "example-container.json"
    snapshot = three_goal_project / "example-ga4.json"
    ga4_before = snapshot.read_bytes()
    monkeypatch.chdir(three_goal_project)
    import goalkeeper.cli

    printed = goalkeeper.cli._print_plan

    def print_then_someone_edits(*args, **kwargs):
        printed(*args, **kwargs)
        export.write_text(export.read_text() + "\n")  # another program (not goalkeeper) writes it

    monkeypatch.setattr(goalkeeper.cli, "_print_plan", print_then_someone_edits)
    result = run("apply", "shop.yaml", "--auto-approve")
    assert result.exit_code == 3, result.output
    assert "changed since goalkeeper read it" in result.output
    assert snapshot.read_bytes() == ga4_before  # checked before anything was written to any target


# -- live targets: two applies of one goal file against the fake Google APIs ----------------

AUDIENCE = {"name": "returning_visitors", "kind": "audience", "returning": True}


@pytest.fixture
def shared_fake():
    """A fake on the wall clock (two processes share it), without the GTM quota."""
    fake = FakeGoogle(quota=False).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.mark.parametrize("targets", ["ga4", "gtm+ga4"])
def test_two_live_applies_at_once_make_nothing_twice(shared_fake, tmp_path: Path, targets: str):
    seeded = shared_fake.seed_container_export(
        EXAMPLES / "example-container.json", account_id=ACCOUNT, public_id="GTM-ABC123"
    )
    shared_fake.seed_ga4_snapshot(EXAMPLES / "example-ga4.json")
    goals = write_goals(tmp_path / "goals.yaml", [CLICK, AUDIENCE], seeded.container_id, gtm=targets != "ga4")
    # Creating an audience takes GA4 a while: both runs look it up before either has made it.
    shared_fake.faults.add(kind="latency", method="POST", path_contains="/audiences", seconds=5, times=None)
    env = {"GOALKEEPER_API_ENDPOINT": shared_fake.url}
    runs = [goalkeeper("apply", str(goals), "--auto-approve", cwd=tmp_path, env=env) for _ in range(2)]
    results = [finished(process) for process in runs]
    # Each run either lands, or (GTM: an entity it planned to create was created meanwhile) stops
    # before writing it with "plan again", status 3; never an error of another kind.
    assert all(code == 0 or (code == 3 and "plan" in text and "again" in text) for code, text in results), results
    assert 0 in [code for code, _ in results], results
    if targets == "ga4":
        assert [code for code, _ in results] == [0, 0], results  # GA4 adopts what the other run made
    code, text = finished(goalkeeper("apply", str(goals), "--auto-approve", cwd=tmp_path, env=env))
    assert code == 0, text  # the loser, run again, finishes
    audiences = [a["displayName"] for a in shared_fake.ga4.items(f"properties/{PROPERTY}", "audiences")]
    key_events = [k["eventName"] for k in shared_fake.ga4.items(f"properties/{PROPERTY}", "keyEvents")]
    assert audiences.count("returning_visitors") == 1, audiences
    assert key_events.count("checkout_click") == 1, key_events
    code, text = finished(goalkeeper("plan", str(goals), "--detailed-exitcode", cwd=tmp_path, env=env))
    assert code == 0, text  # all the runs' work is there, once: nothing left to do
