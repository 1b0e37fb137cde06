"""goalkeeper writes a user's files as the user keeps them, or not at all.

Targets reached through a symbolic link are updated where they really are; hard links, mode and
owner survive; a read-only target stops the apply before any target is written; a full disk or a
cancelled run leaves the file as it was and no temporary file behind; ``plan --out`` never
overwrites what the plan is made from.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from goalkeeper.files import TEMPORARY_SUFFIX
from tests.cli_helpers import run

ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


def tags(export: Path) -> set[str]:
    return {t["name"] for t in json.loads(export.read_text())["containerVersion"].get("tag", [])}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(f"*{TEMPORARY_SUFFIX}"))


@pytest.fixture
def project(three_goal_project: Path, monkeypatch) -> Path:
    monkeypatch.chdir(three_goal_project)
    return three_goal_project


def test_a_symlinked_export_is_updated_where_it_really_is(project: Path):
    real = project / "exports" / "container.json"
    real.parent.mkdir()
    (project / "example-container.json").rename(real)
    (project / "example-container.json").symlink_to(real)
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0
    assert (project / "example-container.json").is_symlink()
    assert "GA4 event - checkout_click" in tags(real)


def test_a_hard_linked_export_stays_one_file(project: Path):
    export = project / "example-container.json"
    other = project / "backup-of-container.json"
    os.link(export, other)
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0
    assert os.path.samefile(export, other) and "GA4 event - checkout_click" in tags(other)


def test_mode_is_kept(project: Path):
    export = project / "example-container.json"
    export.chmod(0o640)
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0
    assert stat.S_IMODE(export.stat().st_mode) == 0o640


@pytest.mark.skipif(not ROOT, reason="only root can give a file to another user to see that it stays theirs")
def test_owner_is_kept(project: Path):
    export = project / "example-container.json"
    os.chown(export, 65534, 65534)
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0
    assert (export.stat().st_uid, export.stat().st_gid) == (65534, 65534)


@pytest.mark.parametrize("read_only", ["example-container.json", "example-ga4.json"])
def test_a_read_only_target_stops_the_apply_before_anything_is_written(project: Path, read_only: str):
    before = {p.name: p.read_bytes() for p in project.glob("example-*.json")}
    (project / read_only).chmod(0o444)
    result = run("apply", "shop.yaml", "--auto-approve")
    assert result.exit_code == 1
    assert f"{read_only}: the " in result.output and "is read-only (-r--r--r--)" in result.output
    assert {p.name: p.read_bytes() for p in project.glob("example-*.json")} == before


def test_a_full_disk_is_a_clear_error_leaving_the_file_and_no_temporary_behind(project: Path, monkeypatch):
    before = (project / "example-container.json").read_bytes()

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = run("apply", "shop.yaml", "--auto-approve", "--target", "gtm")
    assert result.exit_code == 1
    assert "example-container.json: cannot write the container export (the disk is full); it was left as it was" in (
        result.output
    )
    assert (project / "example-container.json").read_bytes() == before
    assert leftovers(project) == []


def test_temporaries_a_killed_run_left_are_removed_by_the_next_apply(project: Path):
    (project / f".example-container.json.x1y2{TEMPORARY_SUFFIX}").write_text("{half a fil")
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0
    assert leftovers(project) == []


# goalkeeper, stuck just before it replaces the export (say, on a slow network drive)
STUCK = """
import os, sys, time
replace = os.replace
os.replace = lambda *args: (time.sleep(60), replace(*args))
from goalkeeper.cli import app
sys.argv[0] = "goalkeeper"
app()
"""


def test_a_run_cancelled_mid_write_leaves_the_file_and_no_temporary(project: Path):
    before = (project / "example-container.json").read_bytes()
    process = subprocess.Popen([sys.executable, "-c", STUCK, "apply", "shop.yaml", "--auto-approve"], cwd=project)
    deadline = time.monotonic() + 120
    while not leftovers(project) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers(project), "the run got as far as its temporary file"
    process.send_signal(signal.SIGTERM)  # CI cancels the job
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert leftovers(project) == []
    assert (project / "example-container.json").read_bytes() == before


@pytest.mark.parametrize("out", ["shop.yaml", "example-container.json", "example-ga4.json", "./shop.yaml"])
def test_plan_out_never_overwrites_an_input(project: Path, out: str):
    before = (project / out).read_bytes()
    result = run("plan", "shop.yaml", "--out", out)
    assert result.exit_code == 1
    assert f"--out {Path(out)} would overwrite" in result.output and "save the plan elsewhere" in result.output
    assert (project / out).read_bytes() == before


def test_plan_out_through_a_link_to_an_input_is_refused(project: Path):
    (project / "plan.json").symlink_to(project / "shop.yaml")
    result = run("plan", "shop.yaml", "--out", "plan.json")
    assert result.exit_code == 1 and "would overwrite" in result.output


def test_plan_out_is_written_whole_or_not_at_all(project: Path, monkeypatch):
    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = run("plan", "shop.yaml", "--out", "plan.json")
    assert result.exit_code == 1 and "plan.json: cannot write the saved plan (the disk is full)" in result.output
    assert not (project / "plan.json").exists() and leftovers(project) == []
