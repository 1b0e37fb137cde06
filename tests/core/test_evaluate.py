"""Would this interaction count? Triggers, tags and GA4 rules evaluated on examples with GTM's and
GA4's own semantics, on hand-made entities and on the triggers of real container exports."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from goalkeeper.backends.container_file import ContainerFileBackend
from goalkeeper.core import evaluate as evaluate_module
from goalkeeper.core.evaluate import Container, Example, evaluate, trigger_fires
from goalkeeper.core.model import Entity
from goalkeeper.goals.expand import gtm_entity_body
from tests.conftest import needs_shared, shared_exports


def cond(variable: str, ctype: str, value: str, **options: bool) -> dict[str, Any]:
    return {"type": ctype, "arg0": "{{" + variable + "}}", "arg1": value, **options}


def trigger(name: str, ttype: str, goal: str = "g", **fields: Any) -> Entity:
    return Entity("gtm.trigger", name, gtm_entity_body("gtm.trigger", {"type": ttype, **fields}), (goal,))


def tag(name: str, firing: list[str], goal: str = "g", **fields: Any) -> Entity:
    body = {
        "type": "gaawe",
        "firingTrigger": firing,
        "parameter": [{"key": "eventName", "type": "template", "value": "x"}],
    }
    return Entity("gtm.tag", name, {**body, **fields}, (goal,))


def variable(variable_name: str, vtype: str, **parameters: Any) -> Entity:
    body = gtm_entity_body("gtm.variable", {"type": vtype, "parameter": parameters})
    return Entity("gtm.variable", variable_name, body)


def example(**spec: Any) -> Example:
    return Example.from_spec(spec)


def link_trigger(*conditions: dict[str, Any], **fields: Any) -> list[Entity]:
    return [trigger("T", "linkClick", filter=list(conditions), **fields)]


# --- GTM's condition operators ----------------------------------------------------------------


@pytest.mark.parametrize(
    "condition, url, fires",
    [
        (cond("Click URL", "equals", "https://ex.com/pricing"), "https://ex.com/pricing", True),
        (cond("Click URL", "equals", "/pricing"), "/pricing", False),  # Click URL is absolute
        (cond("Click URL", "contains", "/pricing"), "/pricing", True),
        (cond("Click URL", "startsWith", "https://ex.com/docs/"), "https://ex.com/docs/a", True),
        (cond("Click URL", "endsWith", ".pdf"), "/a.PDF", False),
        (cond("Click URL", "endsWith", ".pdf", ignore_case=True), "/a.PDF", True),
        (
            cond("Click URL", "matchRegex", r"\pL+/pricing$"),
            "https://ex.com/pricing",
            True,
        ),  # RE2 syntax, found anywhere
        (cond("Click URL", "matchRegex", "^/pricing"), "/pricing", False),
        (cond("Click URL", "matchRegex", "PRICING", ignore_case=True), "/pricing", True),
        (cond("Click URL", "contains", "pricing", negate=True), "/pricing", False),
        (cond("Click URL", "contains", "pricing", negate=True), "/about", True),
    ],
)
def test_link_click_conditions_follow_gtm(condition, url, fires):
    page = "https://ex.com/"
    assert trigger_fires("T", example(page=page, link=url), link_trigger(condition)).fired is fires


@pytest.mark.parametrize(
    "ctype, value, fires",
    [("greater", "49", True), ("greater", "50", False), ("lessOrEquals", "50", True), ("less", "abc", False)],
)
def test_numeric_conditions_compare_numbers(ctype, value, fires):
    entities = [
        trigger(
            "T",
            "scrollDepth",
            filter=[cond("Scroll Depth Threshold", ctype, value)],
            parameter={
                "verticalThresholdUnits": "PERCENT",
                "verticalThresholdsPercent": "50",
                "verticalThresholdOn": True,
            },
        )
    ]
    assert trigger_fires("T", example(scroll=50), entities).fired is fires


def test_all_conditions_must_hold_and_the_first_that_does_not_decides():
    entities = link_trigger(cond("Click URL", "contains", "/checkout"), cond("Click Text", "equals", "Buy now"))
    firing = trigger_fires("T", example(link={"url": "/checkout", "text": "Checkout"}), entities)
    assert firing.fired is False
    assert 'Click Text equals "Buy now" is false [Click Text is "Checkout"]' in firing.reason


def test_a_fired_trigger_names_the_conditions_that_held():
    firing = trigger_fires("T", example(link="/checkout"), link_trigger(cond("Click URL", "contains", "/checkout")))
    assert (
        firing.fired
        and 'Click URL contains "/checkout" [Click URL is "https://www.example.com/checkout"]' in firing.reason
    )


# --- auto-event triggers ----------------------------------------------------------------------


def test_a_click_inside_a_link_is_a_link_click_on_the_link():
    entities = link_trigger(cond("Click Text", "equals", "Pricing"))
    assert trigger_fires("T", example(click='<a href="/pricing"><span>Pricing</span></a>'), entities).fired


def test_a_click_outside_any_link_is_no_link_click():
    firing = trigger_fires("T", example(click="<button>Pricing</button>"), link_trigger())
    assert firing.fired is False and "a click on a link" in firing.reason


@pytest.mark.parametrize(
    "html, fires",
    [
        ('<button class="cta"><span>Go</span></button>', True),  # the click lands on the span
        ('<div class="cta-wrapper"><button>Go</button></div>', False),
    ],
)
def test_css_selector_conditions_match_the_clicked_element(html, fires):
    entities = [trigger("T", "click", filter=[cond("Click Element", "cssSelector", ".cta, .cta *")])]
    assert trigger_fires("T", example(click=html), entities).fired is fires


@pytest.mark.parametrize("cancelled, check, fires", [(True, True, False), (True, False, True), (False, True, True)])
def test_check_validation_leaves_out_submissions_a_script_cancels(cancelled, check, fires):
    entities = [
        trigger(
            "T",
            "formSubmission",
            filter=[cond("Form ID", "equals", "signup")],
            checkValidation=check,
            waitForTags=False,
        )
    ]
    assert trigger_fires("T", example(form={"id": "signup", "script_cancels": cancelled}), entities).fired is fires


def test_an_auto_event_filter_decides_on_which_pages_the_trigger_listens():
    entities = link_trigger(autoEventFilter=[cond("Page Path", "startsWith", "/blog/")], waitForTags=True)
    assert trigger_fires("T", example(page="https://ex.com/blog/a", link="/x"), entities).fired
    firing = trigger_fires("T", example(page="https://ex.com/shop", link="/x"), entities)
    assert firing.fired is False and "is not enabled on this page" in firing.reason


@pytest.mark.parametrize("reached, fires", [(49, False), (50, True), (90, True)])
def test_scroll_depth_fires_once_a_threshold_is_reached(reached, fires):
    entities = [
        trigger(
            "T",
            "scrollDepth",
            parameter={
                "verticalThresholdOn": True,
                "verticalThresholdUnits": "PERCENT",
                "verticalThresholdsPercent": "50,75",
            },
        )
    ]
    assert trigger_fires("T", example(scroll=reached), entities).fired is fires


@pytest.mark.parametrize(
    "video, fires",
    [
        ({"status": "start"}, True),
        ({"status": "pause"}, False),
        ({"status": "progress", "percent": 30}, True),
        ({"status": "progress", "percent": 10}, False),
    ],
)
def test_youtube_triggers_capture_the_statuses_and_thresholds_they_ask_for(video, fires):
    parameter = {
        "captureStart": True,
        "captureComplete": True,
        "capturePause": False,
        "captureProgress": True,
        "radioButtonGroup1": "PERCENTAGE",
        "progressThresholdsPercent": "25,50",
    }
    entities = [trigger("T", "youTubeVideo", parameter=parameter)]
    assert trigger_fires("T", example(video=video), entities).fired is fires


@pytest.mark.parametrize(
    "visible, fires",
    [
        ({"html": '<section id="reviews">', "seconds": 3}, True),
        ({"html": '<section id="reviews">', "seconds": 1}, False),
        ({"html": '<section id="reviews">', "seconds": 3, "percent": 20}, False),
        ({"html": '<section id="faq">', "seconds": 3}, False),
    ],
)
def test_element_visibility_needs_the_element_long_and_far_enough_on_screen(visible, fires):
    parameter = {
        "selectorType": "CSS",
        "elementSelector": "#reviews",
        "onScreenRatio": "50",
        "useOnScreenDuration": True,
        "onScreenDuration": "2000",
    }
    entities = [trigger("T", "elementVisibility", parameter=parameter)]
    assert trigger_fires("T", example(visible=visible), entities).fired is fires


@pytest.mark.parametrize("seconds, fires", [(59, False), (60, True)])
def test_a_timer_fires_after_its_interval(seconds, fires):
    entities = [
        trigger(
            "T",
            "timer",
            eventName="gtm.timer",
            interval="60000",
            limit="1",
            autoEventFilter=[cond("Page Path", "matchRegex", ".*")],
        )
    ]
    assert trigger_fires("T", example(time_on_page=seconds), entities).fired is fires


GROUP = [{"type": "triggerReference", "value": "Pricing"}, {"type": "triggerReference", "value": "Deep"}]


def test_a_trigger_group_fires_once_all_its_triggers_have_fired():
    entities = [
        trigger("Pricing", "pageview", filter=[cond("Page Path", "equals", "/pricing")]),
        trigger(
            "Deep",
            "scrollDepth",
            parameter={
                "verticalThresholdOn": True,
                "verticalThresholdUnits": "PERCENT",
                "verticalThresholdsPercent": "75",
            },
        ),
        Entity(
            "gtm.trigger",
            "Both",
            {"type": "triggerGroup", "parameter": [{"type": "list", "key": "triggerIds", "list": GROUP}]},
        ),
    ]
    assert trigger_fires("Both", example(page="https://ex.com/pricing", scroll=80), entities).fired
    firing = trigger_fires("Both", example(page="https://ex.com/about", scroll=80), entities)
    assert firing.fired is False and '"Pricing" has not fired' in firing.reason


# --- variables --------------------------------------------------------------------------------


def test_a_custom_event_reads_the_pushed_object_through_data_layer_variables():
    entities = [
        variable("dlv - value", "v", name="ecommerce.value", dataLayerVersion=2),
        trigger(
            "T",
            "customEvent",
            customEventFilter=[cond("_event", "equals", "purchase")],
            filter=[cond("dlv - value", "greater", "0")],
        ),
    ]
    assert trigger_fires("T", example(datalayer={"event": "purchase", "ecommerce": {"value": 30}}), entities).fired
    assert not trigger_fires("T", example(datalayer={"event": "purchase", "ecommerce": {"value": 0}}), entities).fired
    assert not trigger_fires("T", example(datalayer={"event": "add_to_cart"}), entities).fired


def test_lookup_tables_and_constants_are_computed():
    table = {
        "input": "{{Page Path}}",
        "map": [{"key": "/thanks", "value": "{{yes}}"}],
        "setDefaultValue": True,
        "defaultValue": "no",
    }
    entities = [
        variable("yes", "c", value="yes"),
        variable("Done", "smm", **table),
        trigger("T", "pageview", filter=[cond("Done", "equals", "yes")]),
    ]
    assert trigger_fires("T", example(page="https://ex.com/thanks"), entities).fired
    assert not trigger_fires("T", example(page="https://ex.com/"), entities).fired


def test_a_custom_javascript_variable_leaves_the_verdict_undecided_naming_it():
    entities = [
        variable("JS - consent", "jsm", javascript="function(){return true}"),
        trigger("T", "pageview", filter=[cond("JS - consent", "equals", "true")]),
    ]
    firing = trigger_fires("T", example(), entities)
    assert firing.fired is None and "{{JS - consent}} is a Custom JavaScript variable" in firing.reason


def test_a_click_variable_on_a_pushed_event_is_undefined_as_in_gtm():
    entities = [
        trigger(
            "T",
            "customEvent",
            customEventFilter=[cond("_event", "equals", "x")],
            filter=[cond("Click Classes", "equals", "undefined")],
        )
    ]
    assert trigger_fires("T", example(datalayer={"event": "x"}), entities).fired


# --- tags and GA4 rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "blocker, counts",
    [
        # A blocking trigger blocks only on its own event: a page-view exception never stops a
        # link-click tag (GTM's help on trigger exceptions).
        (trigger("Staff", "pageview", filter=[cond("Page Hostname", "startsWith", "staff.")]), True),
        (trigger("Staff", "linkClick", filter=[cond("Page Hostname", "startsWith", "staff.")]), False),
    ],
    ids=["page-view-exception", "link-click-exception"],
)
def test_a_blocking_trigger_stops_the_tag_on_its_own_event(blocker, counts):
    entities = [
        trigger("Checkout link", "linkClick", filter=[cond("Click URL", "contains", "/checkout")]),
        blocker,
        tag("GA4 event", ["Checkout link"], blockingTrigger=["Staff"]),
    ]
    assert evaluate(example(link="/checkout"), entities, "g").counts is True
    assert evaluate(example(link="/cart"), entities, "g").counts is False
    verdict = evaluate(example(page="https://staff.ex.com/", link="/checkout"), entities, "g")
    assert verdict.counts is counts


def test_a_paused_tag_never_counts():
    entities = [trigger("All links", "linkClick"), tag("GA4 event", ["All links"], paused=True)]
    verdict = evaluate(example(link="/x"), entities, "g")
    assert verdict.counts is False and "paused" in verdict.reason


def rule(*conditions: dict[str, Any]) -> Entity:
    return Entity(
        "ga4.event_create_rule", "blog", {"destinationEvent": "blog", "eventConditions": list(conditions)}, ("g",)
    )


PAGE_VIEW = {"field": "event_name", "comparisonType": "EQUALS", "value": "page_view"}


@pytest.mark.parametrize(
    "condition, page, counts",
    [
        (
            {"field": "page_location", "comparisonType": "REGULAR_EXPRESSION", "value": "^https?://[^/]+/blog/"},
            "https://ex.com/blog/post",
            False,
        ),  # full match
        (
            {"field": "page_location", "comparisonType": "REGULAR_EXPRESSION", "value": "^https?://[^/]+/blog/.*"},
            "https://ex.com/blog/post",
            True,
        ),
        (
            {"field": "page_location", "comparisonType": "REGULAR_EXPRESSION_CASE_INSENSITIVE", "value": ".*/BLOG/.*"},
            "https://ex.com/blog/post",
            True,
        ),
        ({"field": "page_location", "comparisonType": "CONTAINS", "value": "/blog/"}, "https://ex.com/blog/post", True),
        (
            {"field": "page_location", "comparisonType": "CONTAINS_CASE_INSENSITIVE", "value": "/BLOG/"},
            "https://ex.com/blog/post",
            True,
        ),
        (
            {"field": "page_location", "comparisonType": "CONTAINS", "value": "/blog/", "negated": True},
            "https://ex.com/blog/post",
            False,
        ),
        ({"field": "page_location", "comparisonType": "ENDS_WITH", "value": "/post"}, "https://ex.com/blog/post", True),
    ],
)
def test_ga4_rules_compare_as_ga4_does(condition, page, counts):
    assert evaluate(example(page=page), [rule(PAGE_VIEW, condition)], "g").counts is counts


def test_a_ga4_rule_miss_names_the_condition_and_the_value():
    condition = {"field": "page_location", "comparisonType": "STARTS_WITH", "value": "https://ex.com/blog/"}
    verdict = evaluate(example(page="https://ex.com/news"), [rule(PAGE_VIEW, condition)], "g")
    assert verdict.counts is False and 'page_location starts with "https://ex.com/blog/"' in verdict.reason
    assert '"https://ex.com/news"' in verdict.reason


def test_a_ga4_rule_sees_the_events_goalkeepers_tags_send():
    entities = [
        trigger("All links", "linkClick"),
        Entity(
            "gtm.tag",
            "Click tag",
            {
                "type": "gaawe",
                "firingTrigger": ["All links"],
                "parameter": [
                    {"key": "eventName", "type": "template", "value": "click"},
                    {
                        "key": "eventSettingsTable",
                        "type": "list",
                        "list": [
                            {
                                "type": "map",
                                "map": [
                                    {"key": "parameter", "value": "link_url"},
                                    {"key": "parameterValue", "value": "{{Click URL}}"},
                                ],
                            }
                        ],
                    },
                ],
            },
        ),
        rule(
            {"field": "event_name", "comparisonType": "EQUALS", "value": "click"},
            {"field": "link_url", "comparisonType": "ENDS_WITH", "value": ".pdf"},
        ),
    ]
    assert evaluate(example(link="/a.pdf"), entities, "g").counts is True
    assert evaluate(example(link="/a.zip"), entities, "g").counts is False


# --- real containers --------------------------------------------------------------------------


@cache
def read_export(path: Path) -> tuple[Entity, ...]:
    return tuple(ContainerFileBackend(path).read())


def _auto_triggers() -> list[tuple[Path, str]]:
    cases = []
    for path in shared_exports():
        try:
            entities = read_export(path)
        except Exception:  # server containers and partial exports are other tests' business
            continue
        cases += [
            (path, e.name)
            for e in entities
            if e.kind == "gtm.trigger" and e.body.get("type") in ("linkClick", "customEvent", "click")
        ]
    return cases


def generated_example(body: dict[str, Any], kind: str) -> Example:
    """An example made from a trigger's own conditions: its event pushed, a link to the URL or a
    click on an element with the class it names, or a plain page view."""
    conditions = [*body.get("customEventFilter", []), *body.get("filter", [])]
    values = [p.get("value", "") for c in conditions for p in c.get("parameter", []) if p.get("key") == "arg1"] or ["x"]
    first = values[0]
    return {
        "push": lambda: example(datalayer={"event": first}),
        "link": lambda: example(link={"url": first if "://" in first else "/" + first.lstrip("/"), "text": first}),
        "click": lambda: example(click=f'<a href="/x" class="{first}" id="{first}"><span>{first}</span></a>'),
        "page": lambda: example(),
    }[kind]()


@needs_shared
@pytest.mark.parametrize("kind", ["push", "link", "click", "page"])
@pytest.mark.parametrize("path, name", _auto_triggers(), ids=lambda v: v.name[:2] if isinstance(v, Path) else v)
def test_every_link_click_click_and_custom_event_trigger_of_the_real_exports_evaluates(path, name, kind):
    entities = read_export(path)
    body = next(e.body for e in entities if e.kind == "gtm.trigger" and e.name == name)
    firing = trigger_fires(name, generated_example(dict(body), kind), Container.of(entities))
    assert firing.fired in (True, False, None) and firing.reason


def shared(name: str) -> Path:
    path = next((p for p in shared_exports() if p.name.startswith(name)), None)
    if path is None:
        pytest.skip(f"{name} is not in ../shared/containers")
    return path


@needs_shared
@pytest.mark.parametrize(
    "spec, fires, says",
    [
        (
            {"link": {"url": "/checkout", "classes": "minicart__checkout", "text": "Finalizar compra"}},
            True,
            'Click Text equals "Finalizar compra"',
        ),
        (
            {"link": {"url": "/checkout", "classes": "minicart__checkout", "text": "Ver carrinho"}},
            False,
            'Click Text equals "Finalizar compra" is false [Click Text is "Ver carrinho"]',
        ),
        (
            {"link": {"url": "/checkout", "classes": "minicart__checkout other", "text": "Finalizar compra"}},
            False,
            "Click Classes equals",
        ),
    ],
)
def test_hand_checked_verdicts_on_a_real_mini_cart_link_trigger(spec, fires, says):
    # 29: a link-click trigger "AC-begin_checkout_mini_cart": Click Classes equals
    # minicart__checkout and Click Text equals "Finalizar compra" (equals: the whole class list).
    firing = trigger_fires("AC-begin_checkout_mini_cart", example(**spec), read_export(shared("29_")))
    assert firing.fired is fires and says in firing.reason


@needs_shared
@pytest.mark.parametrize(
    "html, fires",
    [
        ('<button class="creamy-custom-apps-0-x-buyButton"><span>Comprar</span></button>', True),
        ('<button class="creamy-custom-apps-0-x-otherButton">Comprar</button>', False),
    ],
)
def test_hand_checked_verdicts_on_a_real_css_selector_click_trigger(html, fires):
    # 29: "AC-Teste-add_to_cart_vitrine": Click Element matches CSS selector
    # "button.creamy-custom-apps-0-x-buyButton,  button.creamy-custom-apps-0-x-buyButton *".
    assert trigger_fires("AC-Teste-add_to_cart_vitrine", example(click=html), read_export(shared("29_"))).fired is fires


@needs_shared
@pytest.mark.parametrize(
    "event, fires", [("addToCart", True), ("add_to_cart", True), ("addToCartX", True), ("removeFromCart", False)]
)
def test_hand_checked_verdicts_on_a_real_regex_custom_event_trigger(event, fires):
    # 29: "Event - addToCart": {{_event}} matches RegEx "addToCart|add_to_cart", found anywhere.
    assert (
        trigger_fires("Event - addToCart", example(datalayer={"event": event}), read_export(shared("29_"))).fired
        is fires
    )


# Reading a goal file checks that each example's HTML has an element with Python's own HTML
# parser (what bs4's html.parser builder runs), leaving Beautiful Soup unimported until an example
# is evaluated: whatever the markup, the check and Beautiful Soup must agree.
MARKUP = [
    "<a href='/x'>Go</a>",
    "<section id=reviews>",
    "<br/>",
    "<img src=x>",
    "text before <b>bold</b>",
    "<!-- <a href='/x'> -->",
    "<!DOCTYPE html>",
    "<?php echo 1 ?>",
    "<![CDATA[<a>]]>",
    "just text",
    "",
    "   ",
    "< a href='/x'>",
    "<a",
    "<a href='/x'",
    "</a>",
    "&lt;a&gt;",
    "<script><a></script>",
    "<1a>",
    "<a/b>",
    "<!doctype html><html><body><button class='cta'>Buy</button></body></html>",
    "<![if !IE]><a>x</a><![endif]>",
]


@pytest.mark.parametrize("html", MARKUP)
def test_an_examples_html_has_an_element_exactly_when_beautiful_soup_finds_one(html):
    from bs4 import BeautifulSoup, Tag

    found = isinstance(BeautifulSoup(html, "html.parser").find(True), Tag)
    assert evaluate_module._has_start_tag(html) is found


@pytest.mark.parametrize("html", ["just text", "<!-- <a> -->", "</a>"])
def test_an_example_whose_html_has_no_element_is_refused_when_read(html):
    with pytest.raises(ValueError, match="no HTML element"):
        Example.from_spec({"click": html})


def test_an_examples_element_is_the_innermost_one_once_looked_at():
    step = Example.from_spec({"click": "<a href='/x'><span class='icon'>Go</span></a>"}).steps[0]
    assert step.element is not None and step.element.tag.name == "span"
    assert step.element.closest("a") is not None


def test_markup_the_html_parser_gives_up_on_is_left_to_beautiful_soup_to_report():
    assert evaluate_module._has_start_tag("<a><![foo[ x ]]>") is False
