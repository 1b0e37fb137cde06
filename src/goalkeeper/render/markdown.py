"""The plan as a pull-request comment a marketer can read.

The first line is a hidden marker, so a CI job can find its one comment and update it instead of
adding a new one on every push. The same plan always renders the same text.
"""

from __future__ import annotations

from goalkeeper.core.diff import CREATE, DELETE
from goalkeeper.core.plan import UNASSIGNED, Plan
from goalkeeper.render import PlanContext, change_lines

MARKER = "<!-- goalkeeper-plan -->"


def _goal_status(changes) -> str:
    actions = {c.action for c in changes}
    if actions == {CREATE}:
        return "added"
    if actions == {DELETE}:
        return "removed"
    return "changed"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(plan: Plan, context: PlanContext) -> str:
    lines = [MARKER, "### goalkeeper plan", ""]
    for target, description in context.targets.items():
        target_plan = plan.for_target(target)
        lines.append(f"- **{target.upper()}** ({_cell(description)}): {target_plan.summary()}")
    lines.append("")
    if plan.empty:
        lines.append("**No changes.** GTM and GA4 already match the goals.")
        return "\n".join(lines) + "\n"
    lines += ["| Goal | Kind | Category | Status | Changes |", "| --- | --- | --- | --- | --- |"]
    groups = plan.by_goal()
    for goal, changes in groups.items():
        info = context.goals.get(goal)
        name = "shared entities" if goal == UNASSIGNED else f"`{goal}`"
        kind, category = (info.kind, info.category.replace("_", " ")) if info else ("—", "—")
        status = _goal_status(changes) if goal != UNASSIGNED or not info else "changed"
        if goal != UNASSIGNED and info is None:
            status = "removed"
        lines.append(f"| {name} | {kind} | {category} | {status} | {len(changes)} |")
    lines.append("")
    for goal, changes in groups.items():
        label = "Shared entities" if goal == UNASSIGNED else f"Goal `{goal}`"
        lines += [f"<details><summary>{label}: {len(changes)} change{'s' if len(changes) != 1 else ''}</summary>", "", "```diff"]
        for change in changes:
            lines += change_lines(change)
        lines += ["```", "", "</details>", ""]
    lines.append(f"**{plan.summary()}**")
    return "\n".join(lines) + "\n"
