"""The terminal plan, in the conventions Terraform users read fluently."""

from __future__ import annotations

from goalkeeper.core.plan import UNASSIGNED, Plan
from goalkeeper.render import PlanContext, change_lines


def goal_heading(goal: str, context: PlanContext) -> str:
    if goal == UNASSIGNED:
        return "# shared by several goals"
    info = context.goals.get(goal)
    if info is None:
        return f"# goal {goal} (removed from the goal file)"
    return f"# goal {goal} ({info.kind}, {info.category})"


def notice_lines(plan: Plan) -> list[str]:
    """What the checks said, after the plan, where the eye lands last."""
    lines = [f"Warning: {w}" for w in plan.warnings]
    if plan.refusal:
        lines.append(f"Refused: {plan.refusal}")
    return ["", *lines] if lines else []


def render_text(plan: Plan, context: PlanContext) -> str:
    lines = [f"Target: {description}" for description in context.targets.values()]
    if lines:
        lines.append("")
    if plan.empty:
        lines.append("No changes. The targets match the goals.")
        return "\n".join(lines + notice_lines(plan)) + "\n"
    lines.append("goalkeeper will perform the following actions:")
    for goal, changes in plan.by_goal().items():
        lines += ["", goal_heading(goal, context)]
        for change in changes:
            lines += ["  " + line for line in change_lines(change)]
    lines += ["", plan.summary()]
    lines += notice_lines(plan)
    return "\n".join(lines) + "\n"


_COLOURS = (("-/+", "magenta"), ("+", "green"), ("~", "yellow"), ("-", "red"), ("#", "cyan"))


def colour(text: str) -> str:
    """The text plan with Terraform's colours (green +, yellow ~, red -), for a terminal."""
    import click

    lines = []
    for line in text.split("\n"):
        mark = next((c for s, c in _COLOURS if line.lstrip().startswith(s)), None)
        if line.startswith("Plan:") or line.startswith("No changes."):
            line = click.style(line, bold=True)
        elif mark:
            line = click.style(line, fg=mark)
        lines.append(line)
    return "\n".join(lines)
