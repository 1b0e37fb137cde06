"""The consistency check: key events something sends, nothing counted twice, one Google tag."""

from __future__ import annotations

from dataclasses import replace

import pytest

from goalkeeper.core.consistency import Declarations, check, settle_google_tag
from goalkeeper.core.model import Entity
from goalkeeper.core.state import State

from .helpers import condition, key_event, notes, tag, variable

MID = "G-ABC123"
DECLARED = Declarations(
    measurement_id=MID,
    places={"add_to_cart": ("goals.yaml", 7), "cart_again": ("goals.yaml", 12), "signup": ("goals.yaml", 20)},
    target_place=("goals.yaml", 3),
)
TO_US = {"key": "measurementIdOverride", "type": "template", "value": "{{goalkeeper - GA4 Measurement ID}}"}


def custom_event(name: str, event: str, ctype: str = "equals", goal: str = "add_to_cart", managed: bool = True):
    body = {"type": "customEvent", "customEventFilter": [condition(ctype, "{{_event}}", event)]}
    if managed:
        body["notes"] = notes(goal)
    return Entity("gtm.trigger", name, body, (goal,) if managed else (), managed)


def goal_sending(event: str = "add_to_cart", goal: str = "add_to_cart", key: bool = False) -> list[Entity]:
    """What a datalayer_event goal makes: its trigger, its tag and perhaps its key event."""
    entities = [
        custom_event(f"Custom event - {event}", event, goal=goal),
        tag(f"GA4 event - {goal}", f"Custom event - {event}", event=event, goal=goal, extra_params=(TO_US,)),
    ]
    return entities + ([key_event(event, goal, managed=True)] if key else [])


def their_tag(name: str, trigger_name: str, event: str, destination: str = "{{GA4 ID}}", paused: bool = False):
    extra = ({"key": "measurementIdOverride", "type": "template", "value": destination},)
    entity = tag(name, trigger_name, event=event, managed=False, extra_params=extra)
    return Entity(entity.kind, entity.name, {**entity.body, **({"paused": True} if paused else {})}, (), False)


def google_tag(name: str, tag_id: str, tag_type: str = "googtag", managed: bool = False, **extra) -> Entity:
    key = "tagId" if tag_type == "googtag" else "measurementId"
    body = {"type": tag_type, "parameter": [{"key": key, "type": "template", "value": tag_id}], **extra}
    return Entity("gtm.tag", name, body, (), managed)


# goalkeeper's own Google tag, as expansion makes it: for the goals that send through it.
OURS = replace(google_tag("goalkeeper - Google tag", "{{goalkeeper - GA4 Measurement ID}}", managed=True), goals=("a",))
CONSTANT = variable("GA4 ID", MID, managed=False)


def messages(problems) -> list[str]:
    return [p.message for p in problems]


# --- key events --------------------------------------------------------------------------------


def test_a_key_event_named_by_a_variable_is_refused_at_the_goals_line():
    desired = State.of([*goal_sending("{{Event}}"), key_event("{{Event}}", "add_to_cart", managed=True)])
    [error] = check(desired, DECLARED).errors
    assert (error.file, error.line) == ("goals.yaml", 7)
    assert "'{{Event}}' as a GA4 key event, but that is a GTM variable" in error.message


def test_a_key_event_nothing_sends_is_refused_with_what_to_do():
    [error] = check(State.of([key_event("ghost", "add_to_cart", managed=True)]), DECLARED).errors
    assert "nothing sends that event" in error.message and "`external: true`" in error.message


@pytest.mark.parametrize(
    "sender",
    [
        pytest.param(goal_sending("purchase"), id="a goal's tag"),
        pytest.param([tag("GA4 event - v", "YouTube", event="video_{{Video Status}}", goal="v")], id="a dynamic name"),
        pytest.param(
            [Entity("ga4.event_create_rule", "purchase", {"destinationEvent": "purchase"}, ("x",))], id="a rule"
        ),
    ],
)
def test_a_key_event_sent_by_a_tag_or_rule_passes(sender):
    event = "video_start" if "video" in str(sender) else "purchase"
    assert check(State.of([*sender, key_event(event, "x", managed=True)]), DECLARED).errors == ()


def test_a_key_event_declared_external_needs_no_tag():
    declared = Declarations(external={"purchase": frozenset({"add_to_cart"})}, places=DECLARED.places)
    assert check(State.of([key_event("purchase", "add_to_cart", managed=True)]), declared).errors == ()


# --- double sends ---------------------------------------------------------------------------------


def test_two_goals_sending_one_event_on_one_trigger_are_refused():
    desired = State.of(
        [*goal_sending(), tag("GA4 event - cart_again", "Custom event - add_to_cart", "add_to_cart", "cart_again")]
    )
    [error] = check(desired, DECLARED).errors
    assert "goals 'add_to_cart' and 'cart_again' both send 'add_to_cart'" in error.message
    assert error.line == 12


@pytest.mark.parametrize(
    "trigger_entity, event",
    [
        pytest.param(custom_event("CE add", "add_to_cart", managed=False), "add_to_cart", id="same event"),
        pytest.param(custom_event("CE add", "add_to_cart", managed=False), "{{Event}}", id="{{Event}} on it"),
        pytest.param(custom_event("CE add", "addToCart|add_to_cart", "matchRegex", managed=False), "add_to_cart",
                     id="a regex trigger"),
        pytest.param(custom_event("CE add", "ADD_TO_CART", managed=False), "add_to_cart", id="not ignoring case")
    ],
)  # fmt: skip
def test_a_container_tag_sending_the_event_on_the_same_datalayer_event_is_a_double_send(trigger_entity, event):
    live = State.of([trigger_entity, their_tag("GA4 - add to cart", "CE add", event), CONSTANT])
    errors = messages(check(State.of(goal_sending()), DECLARED, live).errors)
    if "ADD_TO_CART" in str(trigger_entity.body):
        assert errors == []  # GTM's equals is case-sensitive: that trigger never fires on add_to_cart
    else:
        [error] = errors
        assert "on the dataLayer event 'add_to_cart'" in error and "'GA4 - add to cart' (not goalkeeper's)" in error
        assert "`external: true`" in error


@pytest.mark.parametrize(
    "live_tag",
    [
        pytest.param(their_tag("GA4 - other property", "CE add", "add_to_cart", "G-OTHER"), id="another property"),
        pytest.param(their_tag("GA4 - paused", "CE add", "add_to_cart", paused=True), id="paused"),
    ],
)
def test_a_container_tag_to_another_property_or_paused_sends_nothing_here(live_tag):
    live = State.of([custom_event("CE add", "add_to_cart", managed=False), live_tag, CONSTANT])
    assert check(State.of(goal_sending()), DECLARED, live).errors == ()


def test_the_same_event_on_another_trigger_is_a_warning_not_an_error():
    live = State.of(
        [custom_event("CE other", "basket_add", managed=False), their_tag("GA4 - add", "CE other", "add_to_cart")]
    )
    found = check(State.of(goal_sending()), DECLARED, live)
    assert found.errors == ()
    [warning] = messages(found.warnings)
    assert "which the container's tag 'GA4 - add' also sends on other triggers" in warning


def test_a_page_view_goal_beside_a_container_tag_on_all_pages_is_a_double_send():
    page = Entity("gtm.trigger", "Page view - pricing", {"type": "pageview", "filter": []}, ("add_to_cart",))
    ours = tag("GA4 event - pricing", "Page view - pricing", event="pricing_view", goal="add_to_cart")
    live = State.of([their_tag("GA4 - pricing", "All Pages", "pricing_view")])
    [error] = messages(check(State.of([page, ours]), DECLARED, live).errors)
    assert "on page views" in error


# --- page_view and the Google tag ------------------------------------------------------------------


def page_view_goal() -> list[Entity]:
    page = Entity("gtm.trigger", "Page view - checkout", {"type": "pageview"}, ("add_to_cart",))
    return [page, tag("GA4 event - checkout", "Page view - checkout", event="page_view", goal="add_to_cart")]


@pytest.mark.parametrize(
    "container, desired_extra, refused",
    [
        pytest.param([google_tag("GT", MID)], [], True, id="the container's Google tag"),
        pytest.param([], [OURS], True, id="goalkeeper's own Google tag"),
        pytest.param([google_tag("GT", MID, parameter_extra=True)], [], True, id="a Google tag with other settings"),
        pytest.param([google_tag("GA4 config", MID, "gaawc")], [], True, id="an older GA4 Configuration tag"),
    ],
)
def test_a_goal_sending_page_view_doubles_the_google_tags_page_views(container, desired_extra, refused):
    desired = State.of([*page_view_goal(), *desired_extra])
    [error] = messages(check(desired, DECLARED, State.of(container)).errors)
    assert "sends 'page_view', which the Google tag" in error and "twice" in error


def test_a_google_tag_that_sends_no_page_views_leaves_page_view_to_the_goal():
    quiet = google_tag("GT", MID)
    table = {
        "key": "configSettingsTable",
        "type": "list",
        "list": [
            {
                "type": "map",
                "map": [
                    {"key": "parameter", "type": "template", "value": "send_page_view"},
                    {"key": "parameterValue", "type": "template", "value": "false"},
                ],
            }
        ],
    }
    quiet = Entity(quiet.kind, quiet.name, {**quiet.body, "parameter": [*quiet.body["parameter"], table]}, (), False)
    assert check(State.of(page_view_goal()), DECLARED, State.of([quiet])).errors == ()


def test_with_an_external_google_tag_page_view_is_a_warning_even_without_a_target():
    declared = Declarations(MID, google_tag_external=True, places=DECLARED.places)
    found = check(State.of(page_view_goal()), declared)
    assert found.errors == () and "gtag.js" in messages(found.warnings)[0]


@pytest.mark.parametrize(
    "container, kept, warned",
    [
        pytest.param([], True, None, id="no Google tag: goalkeeper makes one"),
        pytest.param([google_tag("GT", MID)], False, None, id="one for the ID"),
        pytest.param([google_tag("GT", "{{GA4 ID}}"), CONSTANT], False, None, id="one through a constant"),
        pytest.param([google_tag("GA4 config", MID, "gaawc")], False, None, id="an older GA4 Configuration tag"),
        pytest.param([google_tag("GT", "{{Lookup}}")], False, "cannot tell which measurement ID", id="unknowable"),
        pytest.param([google_tag("GT", "G-OTHER")], True, "loads G-OTHER, not measurement_id G-ABC123", id="other"),
        pytest.param([google_tag("Ads", "AW-123")], True, None, id="a Google Ads tag is not GA4's"),
        pytest.param([google_tag("GT", MID, paused=True)], True, None, id="a paused one loads nothing"),
    ],
)
def test_goalkeeper_makes_a_google_tag_only_when_the_container_loads_none_for_the_id(container, kept, warned):
    desired = State.of([OURS])
    settled, found = settle_google_tag(desired, State.of(container), DECLARED)
    assert (OURS in settled) is kept
    assert [w.message for w in found.warnings if warned and warned in w.message] or not warned
    assert all((w.file, w.line) == ("goals.yaml", 3) for w in found.warnings)
    assert warned or found.warnings == ()


def test_an_external_google_tag_beside_the_containers_is_a_warning_about_page_views():
    declared = Declarations(MID, google_tag_external=True)
    _, found = settle_google_tag(State(), State.of([google_tag("GT", MID)]), declared)
    assert "every page view is counted twice" in messages(found.warnings)[0]


# --- enhanced measurement ---------------------------------------------------------------------------


def test_a_goal_sending_what_enhanced_measurement_sends_is_refused():
    desired = State.of([tag("GA4 event - signup", "Form", event="form_submit", goal="signup")])
    settings = {"streamEnabled": True, "formInteractionsEnabled": True, "name": "properties/1/dataStreams/2/x"}
    [error] = check(desired, DECLARED, State(), settings).errors
    assert (error.file, error.line) == ("goals.yaml", 20)
    assert "Form interactions is on" in error.message and "count it twice" in error.message


# --- names ---------------------------------------------------------------------------------------


def test_event_names_differing_only_in_case_are_refused():
    desired = State.of([*goal_sending("Add_To_Cart", "add_to_cart"), *goal_sending("add_to_cart", "cart_again")])
    [error] = messages(check(desired, DECLARED).errors)
    assert "'Add_To_Cart' and 'add_to_cart'" in error and "case-sensitive" in error


@pytest.mark.parametrize(
    ("sent", "refused"),
    [(("add_to_cart",), False), (("add_to_cart", "Add_To_Cart"), True)],
    ids=["hand-made spellings only", "a goal's spelling too"],
)
def test_spellings_only_adopted_key_events_and_kept_tags_use_are_the_containers_matter(sent: tuple, refused: bool):
    # Adopted key events and goals that kept their hand-made tag declare events sent "however".
    declared = Declarations(external={"ADD_TO_CART": frozenset(), "add_to_cart": frozenset()}, places=DECLARED.places)
    desired = State.of([e for name in sent[1:] for e in goal_sending(name, "a_goal")])
    assert bool(check(desired, declared).errors) == refused


@pytest.mark.parametrize(
    "live, holder",
    [
        ([key_event("Add_To_Cart")], "GA4's key event"),
        ([custom_event("CE", "basket", managed=False), their_tag("GA4 - Add", "CE", "Add_To_Cart")], "tag 'GA4 - Add'"),
    ],
)
def test_a_spelling_differing_in_case_from_the_targets_is_a_warning(live, holder):
    found = check(State.of(goal_sending()), DECLARED, State.of(live))
    assert found.errors == ()
    assert any(holder in w and "'Add_To_Cart'" in w for w in messages(found.warnings))


# --- key events on generic events --------------------------------------------------------------------


def form_key_event(goal: str = "signup") -> list[Entity]:
    return [
        tag(f"GA4 event - {goal}", f"Form - {goal}", event="form_submit", goal=goal),
        key_event("form_submit", goal, managed=True),
    ]


def test_a_key_event_on_a_generic_event_says_what_else_sends_it():
    [warning] = messages(check(State.of(form_key_event()), DECLARED).warnings)
    assert "marks 'form_submit' as a GA4 key event" in warning
    assert "enhanced measurement (Form interactions, when on)" in warning and "generate_lead" in warning


def test_other_goals_sending_the_event_are_named_unless_it_is_shared_on_purpose():
    desired = State.of([*form_key_event(), tag("GA4 event - contact", "Form - contact", "form_submit", "contact")])
    [warning] = messages(check(desired, DECLARED).warnings)
    assert "goal 'contact'" in warning
    shared = Declarations(MID, shared=frozenset({"form_submit"}), places=DECLARED.places)
    [warning] = messages(check(desired, shared).warnings)
    assert "goal 'contact'" not in warning


def test_a_key_event_on_the_goals_own_event_says_nothing():
    assert check(State.of(goal_sending("begin_checkout", key=True)), DECLARED).warnings == ()


# --- external ----------------------------------------------------------------------------------------


def test_an_external_event_no_container_tag_sends_is_a_warning():
    declared = Declarations(MID, external={"purchase": frozenset({"add_to_cart"})}, places=DECLARED.places)
    desired = State.of([key_event("purchase", "add_to_cart", managed=True)])
    [warning] = messages(check(desired, declared, State.of([CONSTANT])).warnings)
    assert "says `external: true`, and no tag in the container sends 'purchase'" in warning
    sending = State.of([CONSTANT, custom_event("CE", "purchase", managed=False), their_tag("Buy", "CE", "purchase")])
    assert check(desired, declared, sending).warnings == ()
