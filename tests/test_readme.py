"""The README's promises: its commands are the ones CI runs, and it lists every goal kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from goalkeeper.goals.kinds import load_kinds

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def shell_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.S)]


def test_ci_runs_exactly_the_readme_test_command():
    test_command = next(b for b in shell_blocks(README) if "pytest" in b)
    ci_lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


def test_the_quick_start_plans_a_bundled_example():
    quick_start = shell_blocks(README)[0]
    match = re.search(r"goalkeeper plan (\S+)", quick_start)
    assert match and (REPO / match.group(1)).is_file()


BUILT_IN_KINDS = sorted(load_kinds(None).values(), key=lambda kind: kind.name)


@pytest.mark.parametrize("kind", BUILT_IN_KINDS, ids=[kind.name for kind in BUILT_IN_KINDS])
def test_every_built_in_kind_is_listed_with_its_description(kind):
    assert f"| `{kind.name}` | {kind.description} |" in README
