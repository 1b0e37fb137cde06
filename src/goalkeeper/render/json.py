"""The machine-readable plan. ``format_version`` changes when a consumer would need to adapt.

``plan_from_json`` reads it back (``goalkeeper show`` of a saved plan): the changes with both
ends' bodies and fields, the warnings and the refusal, the targets and the goals' kinds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from goalkeeper.core.changes import (
    CREATE,
    DELETE,
    REPLACE,
    UPDATE,
    Change,
    Create,
    Delete,
    FieldChange,
    Replace,
    Update,
)
from goalkeeper.core.describe import in_words
from goalkeeper.core.kinds import KINDS
from goalkeeper.core.model import Entity
from goalkeeper.core.plan import Plan
from goalkeeper.render import ExamplesInfo, GoalInfo, PlanContext

FORMAT_VERSION = "1.0"


def change_json(change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "target": change.target,
        "kind": change.kind,
        "name": change.name,
        "goals": list(change.goals),
        **{side: dict(end.body) if end else None for side, end in zip(("before", "after"), change.ends, strict=True)},
        "bookkeeping": change.bookkeeping,
        "fields": [
            {"field": f.label, "label": _label(change, f), "before": f.before, "after": f.after} for f in change.fields
        ],
    }


def _label(change: Change, item: FieldChange) -> str:
    """The field's label in GTM's and GA4's words (the values stay as the APIs spell them)."""
    shown = in_words(KINDS[change.kind], item)
    return shown.label if shown else KINDS[change.kind].vocabulary.marker


def plan_json(plan: Plan, context: PlanContext) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "targets": dict(context.targets),
        "summary": {"add": plan.to_add, "change": plan.to_change, "destroy": plan.to_destroy, "text": plan.summary()},
        "checksum": plan.checksum(),
        "warnings": list(plan.warnings),
        "refused": plan.refusal,
        "changes": [change_json(c) for c in plan.changes],
        "goals": {name: {"kind": info.kind, "category": info.category} for name, info in context.goals.items()},
        **(
            {"examples": {"total": context.examples.total, "failures": list(context.examples.failures)}}
            if context.examples
            else {}
        ),
    }


def render_json(plan: Plan, context: PlanContext) -> str:
    return json.dumps(plan_json(plan, context), indent=2, ensure_ascii=False) + "\n"


class PlanFormatError(ValueError):
    """A JSON plan that is not as ``plan_json`` writes it; the message says what is wrong."""


def _entity(change: Mapping[str, Any], side: str) -> Entity | None:
    body = change.get(side)
    if body is None:
        return None
    if not isinstance(body, dict):
        raise PlanFormatError(f"the {side} of {change.get('name')!r} is not an object")
    return Entity(change["kind"], change["name"], body, tuple(change.get("goals", ())))


def _change(item: Any) -> Change:
    if not isinstance(item, dict) or item.get("kind") not in KINDS or not isinstance(item.get("name"), str):
        raise PlanFormatError(f"a change of unknown kind or without a name: {str(item)[:80]}")
    before, after = _entity(item, "before"), _entity(item, "after")
    fields = tuple(FieldChange(f["field"], f.get("before"), f.get("after")) for f in item.get("fields", ()))
    action = item.get("action")
    if action == CREATE and after:
        return Create(after, fields=fields)
    if action == DELETE and before:
        return Delete(before, fields=fields)
    if action == UPDATE and before and after:
        return Update(before, after, fields=fields, bookkeeping=bool(item.get("bookkeeping")))
    if action == REPLACE and before and after:
        return Replace(before, after, fields=fields)
    raise PlanFormatError(f"change {item.get('name')!r}: action {action!r} without the ends it needs")


def plan_from_json(document: Mapping[str, Any]) -> tuple[Plan, PlanContext]:
    """The plan and context ``plan_json`` wrote (changes in their saved order). Raises
    PlanFormatError when the document is not such a plan."""
    try:
        changes = tuple(_change(item) for item in document.get("changes", ()))
        goals = {
            name: GoalInfo(str(info.get("kind", "")), str(info.get("category", "")))
            for name, info in (document.get("goals") or {}).items()
        }
    except (KeyError, TypeError, AttributeError) as error:
        raise PlanFormatError(f"unexpected shape ({type(error).__name__}: {error})") from None
    plan = Plan(changes, tuple(str(w) for w in document.get("warnings", ())), document.get("refused"))
    examples = document.get("examples")
    info = (
        ExamplesInfo(int(examples.get("total", 0)), tuple(str(f) for f in examples.get("failures", ())))
        if isinstance(examples, dict)
        else None
    )
    return plan, PlanContext(targets=dict(document.get("targets") or {}), goals=goals, examples=info)
