"""The machine-readable plan. ``format_version`` changes when a consumer would need to adapt."""

from __future__ import annotations

import json
from typing import Any

from goalkeeper.core.changes import Change
from goalkeeper.core.plan import Plan
from goalkeeper.render import PlanContext

FORMAT_VERSION = "1.0"


def change_json(change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "target": change.target,
        "kind": change.kind,
        "name": change.name,
        "goals": list(change.goals),
        **{side: dict(end.body) if end else None for side, end in zip(("before", "after"), change.ends, strict=True)},
        "fields": [{"field": f.label, "before": f.before, "after": f.after} for f in change.fields],
    }


def plan_json(plan: Plan, context: PlanContext) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "targets": dict(context.targets),
        "summary": {"add": plan.to_add, "change": plan.to_change, "destroy": plan.to_destroy, "text": plan.summary()},
        "checksum": plan.checksum(),
        "warnings": list(plan.warnings),
        "refused": plan.refusal,
        "changes": [change_json(c) for c in plan.changes],
    }


def render_json(plan: Plan, context: PlanContext) -> str:
    return json.dumps(plan_json(plan, context), indent=2, ensure_ascii=False) + "\n"
