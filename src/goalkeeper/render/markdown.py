"""The plan as a pull-request comment a marketer can read.

Layout: a hidden marker line, one summary line per target, what the safety guards said, a table
of the goals affected (added, changed, removed) with their kind and category, then each goal's
entity-level field diff in a collapsible section, and the plan's checksum.

The first line is a hidden marker naming the goal file, so a CI job can find its one comment and
update it instead of adding a new one on every push (the workflow written by `goalkeeper ci init`
takes the marker from this first line). The same plan always renders the same text: nothing here
depends on time, environment or dictionary order.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import replace

from goalkeeper.core.changes import CREATE, Change
from goalkeeper.core.plan import ADOPTED, UNASSIGNED, Plan
from goalkeeper.render import MARKER_NOTE, PlanContext, change_lines, hides_marker

MARKER_PREFIX = "<!-- goalkeeper-plan"
# GitHub refuses comments over 65,536 characters; past this size the field diffs are left out.
MAX_COMMENT = 60_000


def marker(context: PlanContext) -> str:
    """The hidden first line; one comment per goal file."""
    source = re.sub(r"-(?=-)", "- ", " ".join(context.source.split("\n")))  # "--" would end the comment early
    return f"{MARKER_PREFIX}: {source} -->" if source else f"{MARKER_PREFIX} -->"


def _escape(text: str) -> str:
    """Text safe inside a table cell or a line of Markdown: no table breaks, no HTML, no links."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([`*\[\]])", r"\\\1", text)  # "_" inside words is literal in GitHub Markdown


def _code(name: str) -> str:
    """A goal name as code. The goal file's names are plain words, but a removed goal's name is read
    back from GTM notes or GA4 descriptions, which anyone may have edited: escape it for HTML and
    for tables, so it cannot break out of its code span, its table cell or its summary."""
    if re.fullmatch(r"[A-Za-z0-9_]+", name):
        return f"`{name}`"
    return f"<code>{html.escape(name).replace('|', '&#124;').replace('`', '&#96;')}</code>"


def _fence(lines: Iterable[str]) -> str:
    """A code fence longer than any run of backticks in the block, so user text cannot close it."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def _counts(changes: list[Change]) -> str:
    plan = Plan(tuple(changes))
    parts = [
        f"{plan.to_add} to add" if plan.to_add else "",
        f"{plan.to_change} to change" if plan.to_change else "",
        f"{plan.to_destroy} to destroy" if plan.to_destroy else "",
    ]
    return ", ".join(p for p in parts if p)


def _goal_rows(plan: Plan, context: PlanContext) -> list[str]:
    """One row per goal a change serves. A goal's own changes decide its status; a goal touched only
    through an entity it shares with others is "changed (shared)". Ownership bookkeeping (a shared
    entity's notes listing one goal more or less) belongs to the goals that joined or left the
    notes (``Change.goals``), and never decides a status: it is counted as "notes"."""
    own: dict[str, list[Change]] = {}
    shared: dict[str, list[Change]] = {}
    notes: dict[str, int] = {}
    for change in plan.changes:
        goals = change.goals
        for goal in goals:
            if change.bookkeeping:
                notes[goal] = notes.get(goal, 0) + 1
            else:
                (own if len(goals) == 1 else shared).setdefault(goal, []).append(change)
    rows = []
    for goal in sorted(set(own) | set(shared) | set(notes)):
        info = context.goals.get(goal)
        mine = own.get(goal, [])
        if info is None:
            status = "removed"
        elif mine and all(c.action == CREATE for c in mine):
            status = "added"
        elif mine:
            status = "changed"
        elif goal in shared:
            status = "changed (shared)"
        else:
            status = "notes only"
        kind, category = (info.kind, info.category.replace("_", " ")) if info else ("—", "—")
        parts = [_counts(mine)] if mine else []
        if goal in shared:
            parts.append(f"{len(shared[goal])} shared")
        if goal in notes:
            parts.append(f"{notes[goal]} note{'s' if notes[goal] != 1 else ''} updated")
        rows.append(f"| {_code(goal)} | {_escape(kind)} | {_escape(category)} | {status} | {'; '.join(parts)} |")
    return rows


def _details(plan: Plan, raw: bool = False) -> list[str]:
    lines: list[str] = []
    if any(hides_marker(change, raw) for change in plan.changes):
        lines += [f"<sub>{_escape(MARKER_NOTE)}</sub>", ""]
    for goal, changes in plan.by_goal().items():
        label = (
            "Shared by several goals"
            if goal == UNASSIGNED
            else "Entities adopted as they are"
            if goal == ADOPTED
            else f"Goal <code>{html.escape(goal)}</code>"
        )
        body = [line for change in changes for line in change_lines(change, raw)]
        fence = _fence(body)
        count = f"{len(changes)} change{'s' if len(changes) != 1 else ''}"
        lines += [
            f"<details><summary>{label}: {count}</summary>",
            "",
            f"{fence}diff",
            *body,
            fence,
            "",
            "</details>",
            "",
        ]
    return lines


MAX_EXAMPLE_FAILURES = 10


def _examples(context: PlanContext) -> list[str]:
    """Whether the goal file's examples pass (`goalkeeper test`), with the failures named."""
    info = context.examples
    if info is None:
        return []
    if not info.total:
        return ["- **Examples**: none in this goal file (`goalkeeper test` checks a goal's `examples:`)"]
    if not info.failures:
        return [f"- **Examples**: :white_check_mark: all {info.total} pass (`goalkeeper test`)"]
    lines = [f"- **Examples**: :x: {len(info.failures)} of {info.total} fail (`goalkeeper test`)"]
    lines += [f"  - {_escape(f)}" for f in info.failures[:MAX_EXAMPLE_FAILURES]]
    if len(info.failures) > MAX_EXAMPLE_FAILURES:
        lines.append(f"  - {len(info.failures) - MAX_EXAMPLE_FAILURES} more: run `goalkeeper test`")
    return lines


def _notices(plan: Plan) -> list[str]:
    notices = [f"> :warning: **Warning:** {_escape(w)}" for w in plan.warnings]
    if plan.refusal:
        notices.append(f"> :no_entry: **Refused:** {_escape(plan.refusal)}")
    lines: list[str] = []
    for notice in notices:
        lines += [">", notice] if lines else [notice]  # one quote block, a paragraph per notice
    return [*lines, ""] if lines else []


def render_markdown(plan: Plan, context: PlanContext) -> str:
    source = f" for `{context.source}`" if context.source and "`" not in context.source else ""
    head = [marker(context), f"### goalkeeper plan{source}", ""]
    for target, description in context.targets.items():
        head.append(f"- **{target.upper()}** ({_escape(description)}): {plan.for_target(target).summary()}")
    head += _examples(context)
    head.append("")
    head += _notices(plan)
    if plan.empty:
        head.append("**No changes.** GTM and GA4 already match the goals.")
        return "\n".join(head) + "\n"
    table = [
        "| Goal | Kind | Category | Status | Changes |",
        "| --- | --- | --- | --- | --- |",
        *_goal_rows(plan, context),
        "",
    ]
    foot = [
        f"**{plan.summary()}**",
        "",
        f"<sub>Plan checksum <code>{plan.checksum()[:12]}</code>. After merge, CI plans the merged branch "
        "again and applies that plan; this saved plan, applied as it is, changes exactly this or nothing.</sub>",
    ]
    details = _details(plan, context.raw)
    text = "\n".join(head + table + details + foot) + "\n"
    if len(text) > MAX_COMMENT:
        details = [
            "<sub>The field-by-field changes are too long for a comment: see the plan in the "
            "job's log or its saved plan artifact.</sub>",
            "",
        ]
        text = "\n".join(head + table + details + foot) + "\n"
    if len(text) > MAX_COMMENT:  # still too long: many goals, or many warnings (allow_deletes: false)
        warnings, left = _fit(list(plan.warnings), MAX_COMMENT // 3)
        if left:
            warnings.append(f"{left} more warnings left out: see the plan in the job's log.")
        head = head[: -len(_notices(plan))] + _notices(replace(plan, warnings=tuple(warnings)))
        rows, left = _fit(table[2:-1], MAX_COMMENT - len("\n".join(head + details + foot)) - 500)
        note = ["", f"<sub>{left} more goals left out: see the plan in the job's log.</sub>"] if left else []
        table = table[:2] + rows + note + [""]
        text = "\n".join(head + table + details + foot) + "\n"
    return text


def _fit(lines: list[str], budget: int) -> tuple[list[str], int]:
    """The first of ``lines`` that fit in ``budget`` characters, and how many were left out."""
    size = 0
    for index, line in enumerate(lines):
        size += len(line) + 4
        if size > budget:
            return lines[:index], len(lines) - index
    return lines, 0
