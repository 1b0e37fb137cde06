"""Safety: the thresholds that stop a plan from changing too much at once, as octoDNS does.

Pure: a plan and a count in, a checked plan out. Two guards, both set in the goal file's
``safety:`` section (see ``goalkeeper.goals.model.SAFETY_SCHEMA``):

- ``allow_deletes: false`` drops every deletion (and every replacement, which deletes first) from
  the plan and lists each as a warning. The rest of the plan goes ahead: the setting says "never
  delete", not "never apply", which is what octoDNS users know from providers that ignore deletions.
- ``max_change_share`` refuses a plan that updates, replaces or deletes more than this share of the
  entities goalkeeper manages, once at least ``min_managed`` are managed (a new, small setup is
  not guarded: every change there is a large share). ``--force`` overrides the refusal. Ownership
  bookkeeping (an update of goalkeeper's marker text alone, ``Change.bookkeeping``) changes
  nothing a site runs, and does not count.
- ``keep_used: true`` keeps an entity a removed goal no longer needs while something else in the
  container still uses it, where the plan would otherwise be refused (see goalkeeper.core.dependants).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from goalkeeper.core.changes import DELETE, REPLACE, UPDATE, Delete, Replace
from goalkeeper.core.kinds import KINDS
from goalkeeper.core.plan import Plan

DEFAULT_MAX_CHANGE_SHARE = 0.3
DEFAULT_MIN_MANAGED = 10


@dataclass(frozen=True)
class SafetyPolicy:
    allow_deletes: bool = True
    max_change_share: float = DEFAULT_MAX_CHANGE_SHARE
    min_managed: int = DEFAULT_MIN_MANAGED
    keep_used: bool = False

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | None) -> SafetyPolicy:
        """The policy of a goal file's ``safety:`` mapping (already schema-checked)."""
        settings = settings or {}
        return cls(
            allow_deletes=bool(settings.get("allow_deletes", True)),
            max_change_share=float(settings.get("max_change_share", DEFAULT_MAX_CHANGE_SHARE)),
            min_managed=int(settings.get("min_managed", DEFAULT_MIN_MANAGED)),
            keep_used=bool(settings.get("keep_used", False)),
        )


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def check(plan: Plan, managed: int, policy: SafetyPolicy, force: bool = False) -> Plan:
    """``plan`` under ``policy``: deletions dropped (each a warning) when they are not allowed, and
    ``refusal`` set when too large a share of the ``managed`` entities (those goalkeeper manages
    in the targets planned) would change. A refusal is carried, not raised, so the plan can still
    be shown and saved. Warnings already on ``plan`` are kept, before the guards' own."""
    warnings: list[str] = list(plan.warnings)
    if not policy.allow_deletes:
        dropped = [c for c in plan.changes if isinstance(c, (Delete, Replace))]
        for change in dropped:
            what = "delete" if isinstance(change, Delete) else "replace (delete, then create)"
            warnings.append(
                f'not planned: {what} {KINDS[change.kind].label} "{change.name}", because the goal file '
                f"sets safety.allow_deletes to false; remove it by hand, or allow deletes"
            )
        plan = replace(plan, changes=tuple(c for c in plan.changes if not isinstance(c, (Delete, Replace))))
    touching = sum(1 for c in plan.changes if c.action in (UPDATE, REPLACE, DELETE) and not c.bookkeeping)
    refusal = None
    if managed and managed >= policy.min_managed:
        share = touching / managed
        if share > policy.max_change_share:
            text = (
                f"this plan updates or deletes {touching} of the {managed} entities goalkeeper "
                f"manages ({_percent(share)}), more than safety.max_change_share allows "
                f"({_percent(policy.max_change_share)}). Review the plan, then run again with --force, "
                f"or raise safety.max_change_share in the goal file"
            )
            if force:
                warnings.append(f"safety threshold overridden by --force: {text}")
            else:
                refusal = text
    return replace(plan, warnings=tuple(warnings), refusal=refusal)
