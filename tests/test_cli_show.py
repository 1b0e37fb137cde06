"""goalkeeper show: a saved plan, as `plan` showed it, read without GTM or GA4 (like `terraform
show plan.tfplan`), and checked as apply checks it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run


@pytest.fixture
def saved(three_goal_project: Path, monkeypatch) -> Path:
    monkeypatch.chdir(three_goal_project)
    assert run("plan", "shop.yaml", "--out", "plan.json").exit_code == 0
    return three_goal_project / "plan.json"


@pytest.mark.parametrize("raw", [[], ["--raw"]], ids=["words", "raw"])
@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_show_prints_the_saved_plan_as_plan_printed_it(saved: Path, output_format: str, raw: list[str]):
    planned = run("plan", "shop.yaml", "--format", output_format, *raw)
    shown = run("show", saved, "--format", output_format, *raw)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == planned.stdout


def test_show_reads_no_target(saved: Path):
    (saved.parent / "example-container.json").unlink()
    (saved.parent / "example-ga4.json").unlink()
    result = run("show", saved)
    assert result.exit_code == 0, result.output
    assert 'GTM tag "GA4 event - checkout_click"' in result.stdout


def test_a_plan_edited_after_it_was_saved_is_refused(saved: Path):
    document = json.loads(saved.read_text())
    change = next(c for c in document["plan"]["changes"] if c["kind"] == "gtm.trigger")
    change["after"]["type"] = "click"  # what the reviewer reads is no longer what was checksummed
    saved.write_text(json.dumps(document))
    result = run("show", saved)
    assert result.exit_code == 1
    assert "do not match its checksum" in result.output


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda text: text[: len(text) // 2], "damaged (not valid JSON"),
        (lambda text: text.replace('"kind": "gtm.tag"', '"kind": "gtm.zone"', 1), "damaged (a change of unknown kind"),
        (lambda text: "goals: []\n", "not a plan saved by `goalkeeper plan --out`"),
    ],
    ids=["cut-short", "unknown-kind", "a-goal-file"],
)
def test_a_damaged_plan_is_a_clear_error(saved: Path, damage, message: str):
    saved.write_text(damage(saved.read_text()))
    result = run("show", saved)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_show_notes_what_would_make_apply_refuse_the_plan(saved: Path):
    goals = saved.parent / "shop.yaml"
    goals.write_text(goals.read_text() + "# edited after the review\n")
    result = run("show", saved)
    assert result.exit_code == 0
    assert "Note: the goal file changed since this plan was saved: apply would refuse it (exit 3)" in result.stderr
    assert "Note:" not in result.stdout


def test_a_plan_file_that_is_not_there_is_named_as_missing(in_tmp_path: Path):
    result = run("show", "nothere.json")
    assert result.exit_code == 1
    assert "nothere.json: no such file; give the path `goalkeeper plan --out` wrote the plan to" in result.output
