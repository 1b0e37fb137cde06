from dataclasses import replace

from goalkeeper.core.changes import CREATE, DELETE, REPLACE, UPDATE
from goalkeeper.core.model import Entity
from goalkeeper.core.plan import Plan
from goalkeeper.core.safety import SafetyPolicy, check
from tests.core.helpers import change


def tag(name: str, value: str = "a") -> Entity:
    return Entity("gtm.tag", name, {"value": value}, ("g",))


def plan_of(*actions: str) -> Plan:
    changes = []
    for i, action in enumerate(actions):
        before = None if action == CREATE else tag(f"t{i}", "old")
        after = None if action == DELETE else tag(f"t{i}", "new")
        changes.append(change(action, before, after))
    return Plan.of(changes)


def test_defaults_match_the_goal_file_schema():
    from goalkeeper.goals.model import SAFETY_SCHEMA

    defaults = {k: v["default"] for k, v in SAFETY_SCHEMA["properties"].items()}
    assert SafetyPolicy.from_settings({}) == SafetyPolicy.from_settings(defaults)


def test_a_plan_within_the_share_passes():
    checked = check(plan_of(UPDATE, UPDATE, CREATE), managed=10, policy=SafetyPolicy())
    assert checked.refusal is None and checked.warnings == ()
    assert len(checked.changes) == 3


def test_a_plan_over_the_share_is_refused_and_says_how_to_override():
    checked = check(plan_of(UPDATE, DELETE, REPLACE, DELETE), managed=10, policy=SafetyPolicy())
    assert checked.refusal is not None
    assert "4 of the 10" in checked.refusal and "40%" in checked.refusal and "30%" in checked.refusal
    assert "--force" in checked.refusal and "safety.max_change_share" in checked.refusal


def test_creates_do_not_count_toward_the_share():
    assert check(plan_of(*[CREATE] * 50), managed=10, policy=SafetyPolicy()).refusal is None


def test_force_overrides_the_share_with_a_warning():
    checked = check(plan_of(UPDATE, DELETE, DELETE, DELETE), managed=10, policy=SafetyPolicy(), force=True)
    assert checked.refusal is None
    assert any("overridden by --force" in w for w in checked.warnings)


def test_small_setups_are_not_guarded():
    policy = SafetyPolicy(min_managed=10)
    assert check(plan_of(DELETE, DELETE, DELETE), managed=9, policy=policy).refusal is None
    assert check(plan_of(DELETE, DELETE, DELETE), managed=0, policy=SafetyPolicy(min_managed=0)).refusal is None


def test_without_deletes_deletions_and_replacements_are_dropped_and_listed():
    checked = check(plan_of(CREATE, UPDATE, DELETE, REPLACE), managed=100, policy=SafetyPolicy(allow_deletes=False))
    assert [c.action for c in checked.changes] == [CREATE, UPDATE]
    assert len(checked.warnings) == 2
    assert all("safety.allow_deletes" in w for w in checked.warnings)


def test_dropped_deletions_do_not_count_toward_the_share():
    checked = check(plan_of(DELETE, DELETE, DELETE, DELETE), managed=10, policy=SafetyPolicy(allow_deletes=False))
    assert checked.refusal is None and checked.empty


def test_ownership_bookkeeping_does_not_count_toward_the_share():
    def bookkeeping(i: int):
        before = Entity("gtm.variable", f"v{i}", {"notes": "Managed by goalkeeper. Goals: a, b"}, ("a", "b"))
        after = Entity("gtm.variable", f"v{i}", {"notes": "Managed by goalkeeper. Goals: a"}, ("a",))
        return replace(change(UPDATE, before, after), bookkeeping=True)

    plan = Plan.of([*plan_of(UPDATE, UPDATE).changes, *(bookkeeping(i) for i in range(5))])
    checked = check(plan, managed=10, policy=SafetyPolicy())
    assert checked.refusal is None  # 2 of 10, not 7 of 10
    assert len(checked.changes) == 7  # still applied: the notes must say who uses the entity
