"""Renderers: the same plan as terminal text, a pull-request comment (Markdown) or JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from goalkeeper.core.changes import CREATE, DELETE, REPLACE, UPDATE, Change, Delete, FieldChange, Replace
from goalkeeper.core.kinds import KINDS

SYMBOLS = {CREATE: "+", UPDATE: "~", DELETE: "-", REPLACE: "-/+"}


@dataclass(frozen=True)
class GoalInfo:
    kind: str
    category: str


@dataclass(frozen=True)
class ExamplesInfo:
    """How the goal file's examples fared (``goalkeeper test``): how many there are, and one line
    per failure (the goal, what it expects, the example and the condition that decided it)."""

    total: int = 0
    failures: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanContext:
    """What renderers need besides the plan (which carries its own warnings and refusal): target
    names, the goals' kinds and categories, the goal file it came from, and how its examples fared."""

    targets: Mapping[str, str] = field(default_factory=dict)
    goals: Mapping[str, GoalInfo] = field(default_factory=dict)
    source: str = ""
    examples: ExamplesInfo | None = None


def title(change: Change) -> str:
    return f'{KINDS[change.kind].label} "{change.name}"'


def field_line(item: FieldChange) -> str:
    """``label: before -> after``, with a shared leading part (such as ``Click URL contains``)
    written once, so the change itself stands out."""
    if item.before is None:
        return f"+ {item.label} = {item.after}"
    if item.after is None:
        return f"- {item.label} = {item.before}"
    before, after = item.before, item.after
    common = 0
    while common < min(len(before), len(after)) and before[common] == after[common]:
        common += 1
    # Only a prefix outside quoted values is shared: never cut a "…" value in two.
    quote = before.find('"')
    common = min(common, quote) if quote >= 0 else common
    cut = before.rfind(" ", 0, common + 1) if common < len(before) else -1
    if cut > 0 and before[:cut] == after[:cut]:
        return f"~ {item.label}: {before[:cut]} {before[cut + 1 :]} -> {after[cut + 1 :]}"
    return f"~ {item.label}: {before} -> {after}"


def change_lines(change: Change) -> list[str]:
    """The lines a reviewer reads for one change: a header, then its fields."""
    header = f"{SYMBOLS[change.action]} {title(change)}"
    if isinstance(change, Replace):
        header += f" ({KINDS[change.kind].replace_note})"
    lines = [header]
    if not isinstance(change, Delete):
        lines += ["    " + field_line(item) for item in change.fields]
    return lines
