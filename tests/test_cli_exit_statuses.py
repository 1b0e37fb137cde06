"""Every documented exit status of every command (README, "Exit statuses"), one scenario each, on
a copy of the example project. Interruption (130) is tested where apply shows its progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run

REFUSING = "safety: {min_managed: 1, max_change_share: 0.01}\n"


def applied_then_dropped(project: Path) -> None:
    """Apply, then remove a goal: its entities are planned for deletion."""
    assert run("apply", "shop.yaml", "--auto-approve").exit_code == 0
    goals = project / "shop.yaml"
    goals.write_text(REFUSING + goals.read_text().split("  - name: product_video")[0])


def stale_saved_plan(project: Path) -> None:
    assert run("plan", "shop.yaml", "--out", "plan.json").exit_code == 0
    (project / "shop.yaml").write_text((project / "shop.yaml").read_text() + "# edited after review\n")


def broken_goal(project: Path) -> None:
    (project / "shop.yaml").write_text((project / "shop.yaml").read_text().replace("kind: link_click", "kind: nope"))


def saved_plan(project: Path) -> None:
    assert run("plan", "shop.yaml", "--out", "plan.json").exit_code == 0


def workflow_written(project: Path) -> None:
    assert (
        run("ci", "init", "--goals", "shop.yaml", "--auth", "none", "--action", "your-org/goalkeeper@v0.1.0").exit_code
        == 0
    )


def nothing(project: Path) -> None:
    pass


@pytest.mark.parametrize(
    ("setup", "args", "status"),
    [
        (nothing, ["plan", "shop.yaml"], 0),
        (broken_goal, ["plan", "shop.yaml"], 1),
        (nothing, ["plan", "shop.yaml", "--detailed-exitcode"], 2),
        (applied_then_dropped, ["plan", "shop.yaml"], 4),
        (nothing, ["apply", "shop.yaml", "--auto-approve"], 0),
        (nothing, ["apply", "shop.yaml"], 1),  # no terminal to ask in, no --auto-approve
        (stale_saved_plan, ["apply", "plan.json"], 3),
        (applied_then_dropped, ["apply", "shop.yaml", "--auto-approve"], 4),
        (saved_plan, ["show", "plan.json"], 0),
        (nothing, ["show", "shop.yaml"], 1),
        (nothing, ["validate", "shop.yaml"], 0),
        (broken_goal, ["validate", "shop.yaml"], 1),
        (nothing, ["kinds", "link_click"], 0),
        (nothing, ["kinds", "no_such_kind"], 1),
        (nothing, ["schema"], 0),
        (nothing, ["login", "--client-secrets", "shop.yaml"], 1),  # not an OAuth client file
        (
            nothing,
            ["ci", "init", "--goals", "shop.yaml", "--auth", "none", "--action", "your-org/goalkeeper@v0.1.0"],
            0,
        ),
        (
            workflow_written,
            ["ci", "init", "--goals", "shop.yaml", "--auth", "none", "--action", "your-org/goalkeeper@v0.1.0"],
            1,
        ),
    ],
    ids=lambda v: v.__name__ if callable(v) else (" ".join(v) if isinstance(v, list) else None),
)
def test_each_command_exits_with_its_documented_status(
    three_goal_project: Path, monkeypatch, setup, args: list[str], status: int
):
    monkeypatch.chdir(three_goal_project)
    setup(three_goal_project)
    result = run(*args)
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output
