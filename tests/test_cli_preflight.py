"""A plan that passes applies, on file targets and on the fake Google APIs alike: what GTM or GA4
would refuse half way through an apply is refused by `goalkeeper plan` first, with nothing
written anywhere, and what plan accepts, apply carries out."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from goalkeeper.cli import app
from goalkeeper.testing import FakeGoogle
from tests.conftest import ACCOUNT, EXAMPLES, PROPERTY, SHARED_CONTAINERS

runner = CliRunner()
EXPORT = json.loads((EXAMPLES / "example-container.json").read_text(encoding="utf-8"))
SNAPSHOT = json.loads((EXAMPLES / "example-ga4.json").read_text(encoding="utf-8"))
NO_STREAM = {"property": f"properties/{PROPERTY}"}
PUBLIC_ID = "GTM-ABC123"

RULE_GOAL = {"name": "thanks_page_view", "kind": "destination", "page": {"path_starts_with": "/thanks"},
             "via": "ga4_rule", "key_event": True}  # fmt: skip
CLICK = {"name": "checkout_click", "kind": "link_click", "url_contains": "/checkout", "key_event": True}
DIMENSION_GOAL = {**CLICK, "dimensions": ["link_label"]}
READERS = {"name": "blog_readers", "kind": "audience", "event_count": {"event": "article_view", "at_least": 3}}
VIDEO = {"name": "product_video", "kind": "youtube_video", "track": ["start", "complete"]}


def with_dimensions(count: int) -> dict:
    """The example snapshot with ``count`` event-scoped custom dimensions made by hand."""
    snapshot = copy.deepcopy(SNAPSHOT)
    snapshot["customDimensions"] = [
        {"name": f"properties/{PROPERTY}/customDimensions/{500 + i}", "parameterName": f"param_{i}",
         "displayName": f"Param {i}", "scope": "EVENT"}
        for i in range(count)
    ]  # fmt: skip
    return snapshot


def with_key_events(count: int) -> dict:
    snapshot = copy.deepcopy(SNAPSHOT)
    snapshot["keyEvents"] += [
        {"name": f"properties/{PROPERTY}/keyEvents/{600 + i}", "eventName": f"custom_{i}",
         "countingMethod": "ONCE_PER_EVENT", "custom": True}
        for i in range(count)
    ]  # fmt: skip
    return snapshot


def export_for(usage: str) -> dict:
    """The example export as a container of another usage context (no real export is AMP or an app)."""
    export = copy.deepcopy(EXPORT)
    export["containerVersion"]["container"]["usageContext"] = [usage]
    return export


class Targets:
    """One scenario's GTM container and GA4 property, as files or on the fake, and its goal file."""

    def __init__(self, kind: str, folder: Path, fake: FakeGoogle | None):
        self.kind, self.folder, self.fake = kind, folder, fake

    def seed(self, goals: list[dict], export: dict | None = None, snapshot: dict | None = None) -> Path:
        export, snapshot = export or EXPORT, snapshot or SNAPSHOT
        target: dict = {"measurement_id": "G-ABC123XYZ"}
        if self.fake is None:
            (self.folder / "container.json").write_text(json.dumps(export, indent=4), encoding="utf-8")
            (self.folder / "ga4.json").write_text(json.dumps(snapshot, indent=2), encoding="utf-8")
            target.update(gtm={"container_file": "container.json"}, ga4={"snapshot_file": "ga4.json"})
        else:
            seeded = self.fake.seed_container_export(export, account_id=ACCOUNT, public_id=PUBLIC_ID)
            self.fake.ga4.add_property(PROPERTY, web_stream=bool(snapshot.get("dataStreams")))
            self.fake.seed_ga4_snapshot(snapshot)
            target.update(gtm={"account": ACCOUNT, "container": seeded.container_id}, ga4={"property": PROPERTY})
        path = self.folder / "goals.yaml"
        path.write_text(json.dumps({"target": target, "goals": goals}, indent=2), encoding="utf-8")
        return path

    def written(self) -> object:
        """What the targets hold now: the files, or every write request the fake received."""
        if self.fake is None:
            return [(self.folder / name).read_bytes() for name in ("container.json", "ga4.json")]
        return [(r.method, r.path) for r in self.fake.requests if r.method not in ("GET",) and ":sync" not in r.path]

    def run(self, *args: str):
        env = {"GOALKEEPER_API_ENDPOINT": self.fake.url} if self.fake else {}
        result = runner.invoke(app, [str(a) for a in args], env=env)
        return result, result.output + (result.stderr if result.stderr_bytes is not None else "")


@pytest.fixture(params=["file", "fake"])
def targets(request, tmp_path: Path, fake_google, monkeypatch) -> Targets:
    monkeypatch.chdir(tmp_path)
    return Targets(request.param, tmp_path, fake_google if request.param == "fake" else None)


def refused(targets: Targets, goals: Path, *expected: str) -> str:
    """Plan and apply both refuse with ``expected`` in the message, and nothing is written."""
    before = targets.written()
    result, text = targets.run("plan", goals)
    assert result.exit_code == 1, text
    for part in expected:
        assert part in text, text
    result, text = targets.run("apply", goals, "--auto-approve")
    assert result.exit_code == 1 and "Traceback" not in text, text
    assert targets.written() == before
    return text


def applies(targets: Targets, goals: Path) -> None:
    """The plan passes, apply carries it out, and planning again finds nothing left to do."""
    result, text = targets.run("plan", goals)
    assert result.exit_code == 0, text
    result, text = targets.run("apply", goals, "--auto-approve")
    assert result.exit_code == 0 and "Apply complete." in text, text
    result, text = targets.run("plan", goals, "--detailed-exitcode")
    assert result.exit_code == 0 and "No changes." in text, text


def test_event_create_rules_without_a_web_data_stream_are_refused_before_gtm_is_written(targets: Targets):
    goals = targets.seed([CLICK, RULE_GOAL], snapshot=NO_STREAM)
    refused(targets, goals, "goal thanks_page_view needs GA4 event-create rules", "web data stream")


def test_the_same_goals_apply_once_the_property_has_its_web_data_stream(targets: Targets):
    applies(targets, targets.seed([CLICK, RULE_GOAL]))


def test_a_property_with_fifty_event_scoped_dimensions_takes_no_fifty_first(targets: Targets):
    goals = targets.seed([DIMENSION_GOAL], snapshot=with_dimensions(50))
    refused(targets, goals, "GA4 allows 50 event-scoped custom dimensions", "'link_label'")


def test_forty_nine_leave_room_for_one_more(targets: Targets):
    applies(targets, targets.seed([DIMENSION_GOAL], snapshot=with_dimensions(48)))  # 48 + user_type + link_label


def test_a_property_with_thirty_custom_key_events_takes_no_thirty_first(targets: Targets):
    goals = targets.seed([CLICK], snapshot=with_key_events(30))  # purchase, a default event, does not count
    refused(targets, goals, "GA4 allows 30 custom key events", "'checkout_click'")


@pytest.mark.parametrize("display", ["Link label!", "1st label"])
def test_a_display_name_ga4_refuses_is_refused(targets: Targets, display: str):
    goal = {**CLICK, "dimensions": [{"parameter": "link_label", "display_name": display}]}
    refused(targets, targets.seed([goal]), "displayName", "letters, digits, spaces and underscores")


def test_a_new_audience_membership_duration_replaces_the_audience_and_applies(targets: Targets):
    goals = targets.seed([READERS])
    applies(targets, goals)
    document = json.loads(goals.read_text(encoding="utf-8"))
    document["goals"] = [{**READERS, "membership_days": 60}]
    goals.write_text(json.dumps(document), encoding="utf-8")
    result, text = targets.run("plan", goals)
    assert result.exit_code == 0 and "-/+" in text and "Membership duration (days): 30 -> 60" in text, text
    applies(targets, goals)


@pytest.mark.parametrize("usage", ["AMP", "ANDROID", "IOS", "SERVER"])
def test_a_container_that_is_not_a_web_container_is_refused(targets: Targets, usage: str):
    goals = targets.seed([CLICK], export=export_for(usage))
    refused(targets, goals, "container", f"usageContext {usage}" if targets.fake is None else "usageContext")


YOUTUBE_EXPORT = SHARED_CONTAINERS / "07_youtube-classic-ga-tag.json"


@pytest.mark.skipif(not YOUTUBE_EXPORT.is_file(), reason=f"{YOUTUBE_EXPORT} (a real export) is absent; CI provides it")
def test_a_hand_made_video_title_variable_blocks_the_built_in_on_every_target(targets: Targets):
    export = json.loads(YOUTUBE_EXPORT.read_text(encoding="utf-8"))
    goals = targets.seed([VIDEO], export=export)
    refused(targets, goals, "built-in variable 'Video Title'", "Rename that variable in GTM")


# --- when a write fails anyway ----------------------------------------------------------------


def break_gtm_writes(targets: Targets, monkeypatch) -> None:
    """GTM's writes fail past the preflight: a full disk for the export, GTM refusing tags live."""
    if targets.fake is None:
        import os

        real = os.replace

        def full_disk(source: Any, destination: Any, *more: Any, **options: Any) -> None:
            if str(destination).endswith("container.json"):
                raise OSError(28, "No space left on device")
            real(source, destination, *more, **options)

        monkeypatch.setattr(os, "replace", full_disk)
    else:
        # bulk_update refused (goalkeeper falls back to one write per change), then every tag write fails
        targets.fake.faults.add(api="gtm", method="POST", path_contains="bulk_update", status=501, times=None)
        targets.fake.faults.add(api="gtm", method="POST", path_contains="/tags", status=500, times=None)


def test_a_failed_write_says_what_was_applied_and_running_again_converges(targets: Targets, monkeypatch):
    goals = targets.seed([CLICK, RULE_GOAL])
    break_gtm_writes(targets, monkeypatch)
    result, text = targets.run("apply", goals, "--auto-approve")
    assert result.exit_code == 1 and "Traceback" not in text, text
    # GA4 goes first and was applied in full; then GTM failed
    ga4 = "ga4.json" if targets.fake is None else f"GA4 property {PROPERTY}"
    assert f"{ga4}: 3 changes" in text and "create GA4 key event 'checkout_click'" in text, text
    assert "create GA4 event-create rule 'thanks_page_view'" in text, text
    assert "Run `goalkeeper apply` again" in text, text
    if targets.fake is None:
        assert "container.json: nothing" in text, text
    else:
        assert "create GTM trigger 'Link click - checkout_click'" in text, text  # written before the tag failed
    monkeypatch.undo()
    if targets.fake is not None:
        targets.fake.faults.clear()
    result, text = targets.run("plan", goals)
    assert result.exit_code == 0 and "GA4 key event" not in text, text  # GA4's part is done
    applies(targets, goals)
