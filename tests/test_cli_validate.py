"""goalkeeper validate: every problem of every file, no target read, exit 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import run

REPO = Path(__file__).resolve().parent.parent


def test_valid_files_pass_without_reading_any_target(in_three_goal_project: Path):
    project_dir = in_three_goal_project
    (project_dir / "example-container.json").unlink()  # no target needed
    (project_dir / "example-ga4.json").unlink()
    result = run("validate", "shop.yaml")
    assert result.exit_code == 0, result.output
    assert "shop.yaml: 3 goals, valid." in result.output


def test_every_problem_of_every_file_is_reported(in_tmp_path: Path):
    Path("a.yaml").write_text("goals:\n  - name: one\n    kind: link_click\n  - name: two\n    kind: nope\n")
    Path("b.yaml").write_text("goals:\n  - name: 9bad\n    kind: link_click\n    url_contains: /x\n")
    Path("c.yaml").write_text(
        "target: {ga4: {property: '1'}}\ngoals:\n  - name: fine\n    kind: link_click\n    url_contains: /x\n"
    )
    result = run("validate", "a.yaml", "b.yaml", "c.yaml")
    assert result.exit_code == 1
    assert "a.yaml:2:" in result.output and "url_contains" in result.output  # missing field
    assert "a.yaml:5:" in result.output and "unknown kind 'nope'" in result.output
    assert "b.yaml:2:" in result.output
    assert "c.yaml: 1 goal, valid." in result.output


def test_an_unreadable_file_is_a_problem_not_a_traceback(in_tmp_path: Path):
    result = run("validate", "missing.yaml")
    assert result.exit_code == 1 and "missing.yaml" in result.output


def test_a_file_that_is_not_utf8_is_a_problem_not_a_traceback(in_tmp_path: Path):
    (in_tmp_path / "latin1.yaml").write_bytes("goals:\n  - name: caf\xe9\n".encode("latin-1"))
    result = run("validate", "latin1.yaml", "missing.yaml")
    assert result.exit_code == 1
    assert "latin1.yaml: not UTF-8 text (byte 20); save the goal file as UTF-8" in result.output
    assert "missing.yaml: cannot read the goal file" in result.output


def test_the_pre_commit_hook_runs_validate():
    import re

    from ruamel.yaml import YAML

    hooks = YAML(typ="safe").load(Path(__file__).parent.parent.joinpath(".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "goalkeeper-validate")
    assert hook["entry"] == "goalkeeper validate" and hook["language"] == "python"
    assert re.search(hook["files"], "goals/shop.yaml") and re.search(hook["files"], "site/goals/x.yml")
    assert not re.search(hook["files"], "goals/goals.schema.json")


# A fresh interpreter runs the command, then lists the modules it imported.
MODULES_OF = """
import sys
from goalkeeper.cli import app
try:
    app(sys.argv[1:])
except SystemExit as stop:
    assert not stop.code, stop.code
print("modules:", *sorted(sys.modules))
"""


def modules_imported_by(*arguments: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", MODULES_OF, *arguments], cwd=REPO, capture_output=True, text=True, check=True
    )
    listed = next(line for line in result.stdout.splitlines() if line.startswith("modules:"))
    return set(listed.split()[1:])


def test_validate_as_a_pre_commit_hook_loads_no_google_client_terminal_widgets_or_html_parser():
    # The hook waits on start-up: validate reads no target (no Google client, nor the mapping of
    # network errors, which needs ssl), prints plain lines (no rich), locks no file (no filelock),
    # and the bundled example's selectors and example HTML are checked without Beautiful Soup or
    # soupsieve. The command line is parsed without pydantic (typer before 0.29).
    loaded = modules_imported_by("validate", "goals/shop.yaml")
    unwanted = {"googleapiclient", "google.analytics", "google.auth", "rich", "rich.table", "bs4", "soupsieve"}
    unwanted |= {"goalkeeper.backends.google_clients", "ssl", "filelock", "pydantic"}
    assert loaded & unwanted == set()
    assert "jinja2" in loaded  # it renders every goal, as plan does


@pytest.mark.parametrize("arguments", [["--version"], ["kinds"], ["kinds", "link_click"], ["schema"]])
def test_commands_that_render_no_goal_load_no_jinja2_google_client_or_rich(arguments: list[str]):
    loaded = modules_imported_by(*arguments)
    assert loaded & {"jinja2", "googleapiclient", "google.analytics", "google.auth", "rich"} == set()
