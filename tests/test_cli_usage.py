"""The everyday edges of the command line as Terraform and git users expect them: --version, -h
wherever --help works, shell completion, and usage errors that exit 1 (2 means "changes present"
under --detailed-exitcode, so a typo in a drift job must never read as drift)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from goalkeeper import __version__
from goalkeeper.cli import app

runner = CliRunner()


def invoke(*args: str, **kwargs):
    return runner.invoke(app, list(args), **{"prog_name": "goalkeeper", **kwargs})


def test_version_prints_the_version_and_exits_0():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output == f"goalkeeper {__version__}\n"


COMMANDS = [[], ["plan"], ["show"], ["apply"], ["validate"], ["kinds"], ["schema"], ["login"], ["ci"], ["ci", "init"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "goalkeeper")
def test_h_is_help_wherever_help_works(command: list[str]):
    short, long = invoke(*command, "-h"), invoke(*command, "--help")
    assert short.exit_code == long.exit_code == 0
    assert short.output == long.output
    assert "Usage: goalkeeper" in short.output


@pytest.mark.parametrize(
    ("words", "cword", "completions"),
    [
        ("goalkeeper pl", "1", ["plan"]),
        ("goalkeeper plan --tar", "2", ["--target"]),
        ("goalkeeper plan --target ", "3", ["gtm", "ga4"]),
        ("goalkeeper show --format ", "3", ["text", "markdown", "json"]),
    ],
)
def test_the_shell_completes_commands_options_and_their_values(words: str, cword: str, completions: list[str]):
    env = {"_GOALKEEPER_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": cword}
    result = invoke(env=env)
    assert result.exit_code == 0
    assert result.output.split() == completions


def test_show_completion_prints_the_script_to_install():
    result = invoke("--show-completion", "bash")
    assert result.exit_code == 0
    assert "complete -o default -F" in result.output and "_COMPLETE=complete_bash" in result.output


@pytest.mark.parametrize(
    "args",
    [
        [],  # no command: help, and the status of an error
        ["nosuch"],
        ["-x"],
        ["plan", "--bogus"],
        ["plan", "goals.yaml", "--target", "gmt"],  # the scheduled drift job's typo
        ["plan", "--format", "html"],
        ["plan", "--category", "macros"],
        ["apply", "--publish=maybe"],
        ["show"],  # the saved plan is required
        ["show", "plan.json", "--format", "yaml"],
        ["validate", "--bogus"],
        ["kinds", "a", "b"],
        ["schema", "extra"],
        ["login"],  # --client-secrets is required
        ["login", "--client-secrets", "missing.json"],
        ["ci"],
        ["ci", "init", "--auth", "password"],
        ["ci", "deploy"],
    ],
    ids=lambda a: " ".join(a) or "goalkeeper",
)
def test_usage_errors_exit_1_never_2(args: list[str], tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere


def test_an_unknown_log_level_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("GOALKEEPER_LOG", "verbose")
    result = invoke("kinds")
    assert result.exit_code == 1
    assert "GOALKEEPER_LOG='verbose'" in result.output and "debug" in result.output
