"""goalkeeper validate: every problem of every file, no target read, exit 1."""

from __future__ import annotations

from pathlib import Path

from tests.cli_helpers import run


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
