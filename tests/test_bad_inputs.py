"""Every case of the bad-input corpus (tests/bad_inputs.py) is refused as a user needs: exit
status 1, an error naming the file (or option) at fault, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from goalkeeper.cli import app
from tests.bad_inputs import CASES, Case, contents, make

runner = CliRunner()


def refused(project: Path, case: Case, monkeypatch) -> tuple[object, str]:
    monkeypatch.chdir(project)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, list(case.args))
    return result, result.output + (result.stderr if result.stderr_bytes is not None else "")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_refused_clearly_and_changes_nothing(three_goal_project: Path, case: Case, monkeypatch):
    make(three_goal_project, case.files)
    before = contents(three_goal_project)
    result, text = refused(three_goal_project, case, monkeypatch)
    assert result.exit_code == 1, text
    assert case.names in text, text
    assert "Traceback" not in text and (result.exception is None or isinstance(result.exception, SystemExit)), text
    assert contents(three_goal_project) == before, "nothing is written"


def test_the_corpus_has_at_least_150_cases():
    assert len(CASES) >= 150
    assert len({c.name for c in CASES}) == len(CASES)
