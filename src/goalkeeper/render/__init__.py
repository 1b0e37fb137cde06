"""Renderers: the same plan as terminal text, a pull-request comment (Markdown) or JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from goalkeeper.core import ownership
from goalkeeper.core.changes import CREATE, DELETE, REPLACE, UPDATE, Change, Create, Delete, FieldChange, Replace
from goalkeeper.core.describe import in_words
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
    names, the goals' kinds and categories, the goal file it came from, how its examples fared, and
    whether to show fields as the APIs spell them (``raw``) rather than in GTM's and GA4's words."""

    targets: Mapping[str, str] = field(default_factory=dict)
    goals: Mapping[str, GoalInfo] = field(default_factory=dict)
    source: str = ""
    examples: ExamplesInfo | None = None
    raw: bool = False


MARKER_NOTE = (
    'Each entity goalkeeper creates gets the note "Managed by goalkeeper for …" naming the goal file that owns '
    "it and its goals (in its notes or description); `--raw` shows it in full, with every field as the APIs "
    "spell it."
)


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
    if quote < 0:  # words, not a sentence quoting a value: "Once per event -> Once per session"
        return f"~ {item.label}: {before} -> {after}"
    common = min(common, quote)
    cut = before.rfind(" ", 0, common + 1) if common < len(before) else -1
    if cut > 0 and before[:cut] == after[:cut]:
        return f"~ {item.label}: {before[:cut]} {before[cut + 1 :]} -> {after[cut + 1 :]}"
    return f"~ {item.label}: {before} -> {after}"


def shown_fields(change: Change, raw: bool = False) -> list[FieldChange]:
    """A change's fields as a reviewer reads them: in GTM's and GA4's words (see
    goalkeeper.core.describe.in_words), or as the APIs spell them when ``raw``."""
    if raw:
        return list(change.fields)
    kind = KINDS[change.kind]
    return [shown for item in change.fields if (shown := in_words(kind, item)) is not None]


def hides_marker(change: Change, raw: bool = False) -> bool:
    """Whether the change's marker note is left out (said once per plan instead, MARKER_NOTE)."""
    return not raw and isinstance(change, Create) and len(shown_fields(change)) < len(change.fields)


def _adopted(change: Change) -> bool:
    """Whether a bookkeeping change writes another owner into the marker (one an earlier
    goalkeeper wrote without an owner, adopted by the goal file)."""
    before, after = change.ends
    return before is not None and after is not None and ownership.owner_of(before) != ownership.owner_of(after)


def change_lines(change: Change, raw: bool = False) -> list[str]:
    """The lines a reviewer reads for one change: a header, then its fields."""
    header = f"{SYMBOLS[change.action]} {title(change)}"
    if isinstance(change, Replace):
        header += f" ({KINDS[change.kind].replace_note})"
    if change.bookkeeping and not raw:
        marker = KINDS[change.kind].vocabulary.marker.lower()
        if change.ends[0] is not None and not ownership.has_marker(change.kind, change.ends[0].body):
            header += f" (adopted: it gets goalkeeper's {marker}, keeping its id; nothing else changes)"
        else:
            what = "the owner it names" if _adopted(change) else "the goals it lists"
            header += f" (only goalkeeper's {marker}: {what})"
    lines = [header]
    if not isinstance(change, Delete):
        lines += ["    " + field_line(item) for item in shown_fields(change, raw)]
    return lines
