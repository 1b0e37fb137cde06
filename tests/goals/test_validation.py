"""Problems GTM or GA4 would reject or silently get wrong are caught before anything is sent,
each with its file and line; the CLI exits 1 and writes nothing."""

from __future__ import annotations

import pytest

from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.goals.load import parse_goal_text
from tests.cli_helpers import run
from tests.goals.conftest import GOALS_HEADER


@pytest.fixture
def problems(expand_goals):
    """The (line, message) of every problem in goals written after GOALS_HEADER (line 3 on)."""

    def found(text):
        with pytest.raises(GoalkeeperError) as caught:
            expand_goals(text, "g.yaml")
        return [(p.line, p.message) for p in caught.value.problems]

    return found


def test_bad_regex_in_a_nested_input_is_reported_at_its_line(problems):
    found = problems(
        """\
  - name: pricing
    kind: destination
    page:
      path_regex: "^/pricing(/"
"""
    )
    assert [line for line, _ in found] == [6]
    assert "is not valid in GTM and GA4 (RE2 syntax)" in found[0][1]


def test_bad_regex_inside_a_list_of_pages_is_reported_at_its_line(problems):
    found = problems(
        """\
  - name: pages
    kind: destination
    page:
      - {path_equals: /a}
      - {path_regex: "(?=x)"}
"""
    )
    assert [line for line, _ in found] == [7]
    assert "look-around" in found[0][1]


def test_an_unparseable_css_selector_is_reported_at_its_line(problems):
    found = problems(
        """\
  - name: cta
    kind: element_click
    selector: "button[data-x"
"""
    )
    assert found[0][0] == 5 and "CSS selector" in found[0][1]


def test_a_goal_with_two_url_matchers_or_none_is_told_to_give_exactly_one(problems):
    found = problems(
        """\
  - name: cta
    kind: link_click
    url_contains: /a
    url_equals: https://www.example.com/b
  - name: none_given
    kind: form_submit
"""
    )
    assert found == [
        (
            3,
            "goal 'cta': give exactly one of url_contains, url_equals, url_starts_with, url_ends_with, url_regex (it has url_contains, url_equals)",
        ),
        (7, "goal 'none_given': give exactly one of form_id, form_class, form_url_contains (it has none)"),
    ]


def test_more_key_events_than_ga4_allows(problems):
    goals = "".join(
        f"  - {{name: goal_{i}, kind: link_click, url_contains: /p{i}, key_event: true}}\n" for i in range(31)
    )
    found = problems(goals)
    assert found == [(33, "31 goals are key events; a GA4 property allows at most 30 (this is number 31)")]


def test_a_parameter_name_too_long_and_too_many_parameters_are_reported(problems):
    long_name = "p" * 41
    many = ", ".join(f"p{i}: x" for i in range(26))
    found = problems(
        f"""\
  - name: long_param
    kind: link_click
    url_contains: /a
    params: {{{long_name}: x}}
  - name: many_params
    kind: link_click
    url_contains: /b
    params: {{{many}}}
"""
    )
    assert [line for line, _ in found] == [6, 10]
    assert "41 characters" in found[0][1]
    assert "26 params" in found[1][1]


def test_template_parameters_count_towards_the_limit(problems):
    many = ", ".join(f"p{i}: x" for i in range(24))  # + link_url and link_text from the kind
    found = problems(
        f"""\
  - name: many_params
    kind: link_click
    url_contains: /b
    params: {{{many}}}
"""
    )
    assert found[0][0] == 3 and "sends 26 event parameters" in found[0][1]


def test_two_goals_sending_one_event_with_different_meanings_are_refused(problems):
    found = problems(
        """\
  - {name: signup_form, kind: form_submit, form_id: signup, event_name: sign_up}
  - {name: signup_link, kind: link_click, url_contains: /signup, event_name: sign_up}
"""
    )
    assert found[0][0] == 4 and "both send the GA4 event 'sign_up'" in found[0][1]


def test_an_audience_cannot_be_a_key_event(problems):
    found = problems(
        """\
  - name: returning
    kind: audience
    returning: true
    key_event: true
"""
    )
    assert found[0][0] == 6
    assert "sends no GA4 event, so key_event makes no sense" in found[0][1]


def test_cli_reports_file_and_line_exits_1_and_writes_nothing(project_dir):
    goals = project_dir / "shop.yaml"
    text = goals.read_text().replace("page: {path_starts_with: /checkout}", 'page: {path_regex: "("}')
    goals.write_text(text)
    line = text.splitlines().index('    page: {path_regex: "("}') + 1
    before = (project_dir / "example-container.json").read_bytes()
    result = run("apply", goals, "--auto-approve")
    assert result.exit_code == 1
    assert (
        f"shop.yaml:{line}: goal 'checkout_page_view': regular expression '(' is not valid in GTM and GA4 (RE2 syntax)"
        in result.output
    )
    assert (project_dir / "example-container.json").read_bytes() == before


@pytest.mark.parametrize(
    "goal, line, says",
    [
        (
            "  - name: pricing_click\n    kind: link_click\n    url_equals: /pricing\n",
            5,
            "url_equals: https://www.example.com/pricing",
        ),
        ("  - name: docs_click\n    kind: link_click\n    url_starts_with: /docs/\n", 5, "url_contains: /docs/"),
        ("  - name: docs_click\n    kind: link_click\n    url_regex: ^/docs/\n", 5, "anchor after the host"),
        (
            "  - name: pricing\n    kind: destination\n    page: {url_equals: /pricing}\n",
            5,
            "url_equals: https://www.example.com/pricing",
        ),
        ("  - name: pricing\n    kind: destination\n    page: {path_equals: pricing}\n", 5, "path_equals: /pricing"),
    ],
    ids=[
        "click-url-equals-a-path",
        "click-url-starts-with-a-path",
        "click-url-regex-anchored-to-a-path",
        "page-url-equals-a-path",
        "path-without-slash",
    ],
)
def test_a_url_value_that_can_never_match_is_refused_at_its_line(problems, goal, line, says):
    """Click URL and Page URL are always absolute (https://host/path): a bare path never equals
    them nor starts them, and GTM would build a trigger that never fires."""
    found = problems(goal)
    assert [at for at, _ in found] == [line]
    assert "can never match" in found[0][1] and says in found[0][1]


def test_a_whole_click_url_is_accepted(expand_goals):
    text = "  - name: pricing_click\n    kind: link_click\n    url_equals: https://www.example.com/pricing\n"
    expand_goals(text, "g.yaml")


def test_a_path_regex_ga4_cannot_read_the_same_way_is_a_problem_of_its_goal(problems):
    text = "  - name: blog\n    kind: destination\n    via: ga4_rule\n    page: {path_regex: '/(^a|b)'}\n"
    found = problems(text)
    assert found[0][0] == 3 and "goal 'blog'" in found[0][1] and "anchor only at the start and end" in found[0][1]


@pytest.mark.parametrize("given, expected", [("", "false"), ("    check_validation: true\n", "true")])
def test_form_goals_check_validation_only_when_asked_as_in_gtm(given, expected, expand_goals):
    """GTM's own default is off: with it on, a form the site sends with JavaScript (its script
    cancels the browser's submission) never fires the trigger."""
    text = "  - name: signup\n    kind: form_submit\n    form_id: signup\n" + given
    state = expand_goals(text, "g.yaml")
    trigger = next(e for e in state if e.kind == "gtm.trigger")
    assert trigger.body["checkValidation"]["value"] == expected
    assert bool(trigger.body.get("autoEventFilter")) is (expected == "true")


def test_an_example_step_goalkeeper_does_not_know_is_named_at_its_line(problems):
    text = (
        "  - name: c\n    kind: link_click\n    url_contains: /c\n    examples:\n      counts:\n        - {tap: /c}\n"
    )
    found = problems(text)
    assert found[0][0] == 8 and "'tap'" in found[0][1]


def test_an_audience_takes_no_examples(problems):
    text = (
        "  - name: back\n    kind: audience\n    returning: true\n    examples: {counts: [{page: 'https://ex.com/'}]}\n"
    )
    found = problems(text)
    assert found[0][0] == 6 and "examples makes no sense" in found[0][1]


def test_examples_keep_their_lines_and_what_they_expect(kinds):
    text = "  - name: c\n    kind: link_click\n    url_contains: /c\n    examples:\n      counts: [{link: /c}]\n      does_not_count:\n        - {link: /d}\n"
    goal = parse_goal_text(GOALS_HEADER + text, kinds, "g.yaml").goals[0]
    assert [(e.counts, e.line, dict(e.spec)) for e in goal.examples] == [
        (True, 7, {"link": "/c"}),
        (False, 9, {"link": "/d"}),
    ]
