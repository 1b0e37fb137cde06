"""docs/tutorial.md works as written: its files are saved, its commands run in order in an empty
folder, and what it shows of their output is what they print. The live container and property are
the fake Google APIs, seeded with the tutorial's own empty container export and GA4 snapshot.

How the tutorial is read: a ```json or ```yaml block after a paragraph ending "as `PATH`:" is saved
as PATH; a ```sh block is run (unless an HTML comment before it says it is not run by the tests,
and why); a ```text block right after a ```sh block holds lines its output must contain, where
"…" stands for any text."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from goalkeeper.testing import FakeGoogle, endpoint_env

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial.md"
BLOCK = re.compile(r"(?P<before>(?:[^\n]*\n)*?)```(?P<lang>\w*)\n(?P<body>.*?)```\n", re.S)


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    saved_as: str | None  # a file block's path
    not_run: str | None  # why a command block is not run by the tests


def blocks(text: str) -> list[Block]:
    found = []
    for match in BLOCK.finditer(text):
        before = match["before"].rstrip()
        saved = re.search(r"as `([^`]+)`:$", before)
        skipped = re.search(r"<!-- not run by the tests: (.*?) -->$", before)
        found.append(Block(match["lang"], match["body"], saved and saved[1], skipped and skipped[1]))
    return found


BLOCKS = blocks(TUTORIAL.read_text(encoding="utf-8"))


def shown(expected: str, output: str) -> list[str]:
    """The lines of ``expected`` missing from ``output`` ("…" matching any text)."""
    # A prompt ends without a newline: in a terminal the answer typed after it ends the line.
    lines = [line.rpartition("[y/N]: ")[2] for line in output.splitlines()]
    missing = []
    for line in expected.strip("\n").splitlines():
        pattern = re.compile(".*?".join(re.escape(part) for part in line.split("…")))
        if not any(pattern.fullmatch(actual.rstrip()) for actual in lines):
            missing.append(line)
    return missing


def run_command(block: Block, cwd: Path, env: dict[str, str]) -> str:
    """Run a command block as a user types it, answering `y` when apply asks (from a terminal:
    goalkeeper asks only there). Returns what it printed."""
    primary, secondary = os.openpty()
    os.write(primary, b"y\n" * 10)
    result = subprocess.run(
        ["bash", "-e", "-c", block.body], cwd=cwd, env=env, stdin=secondary, capture_output=True, text=True
    )
    os.close(primary)
    os.close(secondary)
    assert result.returncode == 0, f"{block.body}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture
def google():
    """The live container and property of part 3, as new: the tutorial's own export and snapshot."""
    files = {b.saved_as: json.loads(b.body) for b in BLOCKS if b.lang == "json"}
    with FakeGoogle(quota=False) as fake:
        fake.seed_container_export(files["tracking/container.json"])
        fake.seed_ga4_snapshot(files["tracking/ga4.json"])
        yield fake


def test_the_tutorial_has_files_commands_and_outputs():
    kinds = {(b.lang, b.saved_as is not None) for b in BLOCKS}
    assert {("json", True), ("yaml", True), ("sh", False), ("text", False)} <= kinds
    assert all(b.saved_as for b in BLOCKS if b.lang in ("json", "yaml")), "a file block without its path"


def test_the_tutorial_runs_as_written(tmp_path, google):
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "NO_COLOR": "1",
        **endpoint_env(google),
    }
    cwd = tmp_path / "shop-tracking"
    cwd.mkdir()
    output = ""
    for block in BLOCKS:
        if block.saved_as:
            (cwd / block.saved_as).parent.mkdir(parents=True, exist_ok=True)
            (cwd / block.saved_as).write_text(block.body, encoding="utf-8")
        elif block.lang == "sh":
            output = "" if block.not_run else run_command(block, cwd, env)
        elif block.lang == "text":
            assert not shown(block.body, output), f"not printed: {shown(block.body, output)}\n---\n{output}"
    assert (cwd / ".github" / "workflows" / "goalkeeper.yml").is_file()
    assert google.requests_for("gtm", "POST"), "the live part never reached the fake GTM"
