"""The terminal plan, in the conventions Terraform users read fluently."""

from __future__ import annotations

from rich.color import ColorSystem
from rich.console import Console
from rich.style import Style

from goalkeeper.core.plan import ADOPTED, UNASSIGNED, Plan
from goalkeeper.render import MARKER_NOTE, PlanContext, change_lines, hides_marker


def goal_heading(goal: str, context: PlanContext) -> str:
    if goal == UNASSIGNED:
        return "# shared by several goals"
    if goal == ADOPTED:
        return "# entities (adopted as they are, no goal)"
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
    if any(hides_marker(change, context.raw) for change in plan.changes):
        lines.append(MARKER_NOTE)
    for goal, changes in plan.by_goal().items():
        lines += ["", goal_heading(goal, context)]
        for change in changes:
            lines += ["  " + line for line in change_lines(change, context.raw)]
    lines += ["", plan.summary()]
    lines += notice_lines(plan)
    return "\n".join(lines) + "\n"


# Terraform's colours, by a line's leading mark; "-/+" before "-" and "+", which it starts with.
_STYLES = (
    ("-/+", Style(color="magenta")),
    ("+", Style(color="green")),
    ("~", Style(color="yellow")),
    ("-", Style(color="red")),
    ("#", Style(color="cyan")),
)
_SUMMARY = Style(bold=True)


def line_style(line: str) -> Style | None:
    """The style of one plan line: the summary in bold, a change by its mark, anything else plain."""
    if line.startswith(("Plan:", "No changes.")):
        return _SUMMARY
    body = line.lstrip()
    return next((style for prefix, style in _STYLES if body.startswith(prefix)), None)


def colour(text: str) -> str:
    """The text plan with Terraform's colours (green +, yellow ~, red -, magenta -/+, cyan headings).

    Each line is wrapped in ANSI escapes and otherwise left as it is: no markup is read from it
    (a plan quotes ``[...]`` from the container), nothing is wrapped, highlighted or expanded,
    so without the escapes it is the plain plan byte for byte."""
    lines = []
    for line in text.split("\n"):
        style = line_style(line)
        # The named colours are the 16 standard ones, written the same in every colour system.
        lines.append(style.render(line, color_system=ColorSystem.STANDARD) if style else line)
    return "\n".join(lines)


def wants_colour(console: Console) -> bool:
    """Whether the plan is coloured where ``console`` writes. Rich decides from the stream and the
    environment: a terminal or ``FORCE_COLOR`` colours, ``NO_COLOR`` or ``TERM=dumb`` does not.
    ``NO_COLOR`` leaves rich free to print bold; the plan then prints no escapes at all. A legacy
    Windows console, which reads no escapes, gets the plain plan."""
    return console.color_system is not None and not console.no_color and not console.legacy_windows
