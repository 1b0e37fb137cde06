"""Goals that need the same built-in variable, trigger, variable or dimension share one entity."""

from __future__ import annotations

import pytest

from goalkeeper.core.errors import GoalkeeperError


def test_identical_triggers_are_shared_and_both_tags_fire_on_it(expand_goals):
    state = expand_goals(
        """
  - {name: checkout_click, kind: link_click, url_contains: /checkout}
  - {name: checkout_link_lead, kind: link_click, url_contains: /checkout, event_name: begin_checkout_click}
"""
    )
    triggers = state.of_kind("gtm.trigger")
    assert [t.name for t in triggers] == ["Link click - checkout_click"]
    assert triggers[0].goals == ("checkout_click", "checkout_link_lead")
    assert "Goals: checkout_click, checkout_link_lead." in triggers[0].body["notes"]
    tags = [t for t in state.of_kind("gtm.tag") if t.body["type"] == "gaawe"]
    assert len(tags) == 2
    assert all(t.body["firingTrigger"] == ["Link click - checkout_click"] for t in tags)


def test_different_triggers_stay_apart(expand_goals):
    state = expand_goals(
        """
  - {name: checkout_click, kind: link_click, url_contains: /checkout}
  - {name: cart_click, kind: link_click, url_contains: /cart}
"""
    )
    assert len(state.of_kind("gtm.trigger")) == 2


def test_builtins_variables_and_dimensions_are_created_once(expand_goals):
    state = expand_goals(
        """
  - {name: ebook_download, kind: file_download, extensions: [pdf], dimensions: [link_url]}
  - {name: outbound_click, kind: outbound_link, site_domains: [example.com], dimensions: [link_url]}
  - {name: calc_a, kind: datalayer_event, datalayer_event: calc_a, parameters: {result: calc.result}}
  - {name: calc_b, kind: datalayer_event, datalayer_event: calc_b, parameters: {result: calc.result}}
"""
    )
    names = [(e.kind, e.name) for e in state]
    assert len(names) == len(set(names))
    click_url = state.get("gtm.builtin_variable", "Click URL")
    assert click_url.goals == ("ebook_download", "outbound_click")
    assert state.get("ga4.custom_dimension", "link_url").goals == ("ebook_download", "outbound_click")
    assert state.get("gtm.variable", "dlv - calc.result").goals == ("calc_a", "calc_b")


def test_two_goals_marking_the_same_event_share_one_key_event(expand_goals):
    state = expand_goals(
        """
  - {name: add_to_cart, kind: datalayer_event, datalayer_event: add_to_cart, key_event: true}
  - {name: add_to_cart_again, kind: datalayer_event, datalayer_event: add_to_cart, key_event: true}
"""
    )
    assert [k.goals for k in state.of_kind("ga4.key_event")] == [("add_to_cart", "add_to_cart_again")]
    assert len(state.of_kind("gtm.trigger")) == 1


def test_two_goals_defining_one_name_differently_are_refused_at_the_later_goal(expand_goals):
    goals = (
        "  - {name: a, kind: link_click, url_contains: /a, adopted: {Link click - a: {name: Click}}}\n"
        "  - {name: b, kind: link_click, url_contains: /b, adopted: {Link click - b: {name: Click}}}\n"
    )
    with pytest.raises(GoalkeeperError) as error:
        expand_goals(goals)
    (problem,) = error.value.problems
    assert "goals a and b both define GTM trigger 'Click', differently" in problem.message
    assert (problem.file, problem.line) == ("goals.yaml", 4)
