"""`goalkeeper test`: each goal's examples of what must and must not count, checked against the
triggers and rules goalkeeper generates, before anything is published."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.cli_helpers import run

GOALS = """\
target:
  gtm: {container_file: example-container.json}
  measurement_id: G-ABC123XYZ
goals:
  - name: checkout_click
    kind: link_click
    url_contains: /checkout
    examples:
      counts:
        - link: /checkout
      does_not_count:
        - link: {url: /cart, text: Cart}
  - name: signup
    kind: form_submit
    form_id: signup
    check_validation: true
    examples:
      counts:
        - form: {id: signup, script_cancels: true}   # line 19: an AJAX form
  - name: pricing_seen
    kind: destination
    page: {path_equals: /pricing}
"""


@pytest.fixture
def goals(project_dir: Path, monkeypatch) -> Path:
    monkeypatch.chdir(project_dir)
    (project_dir / "goals.yaml").write_text(GOALS)
    return project_dir / "goals.yaml"


def test_a_failing_example_is_reported_with_its_goal_line_and_deciding_condition(goals):
    result = run("test")
    assert result.exit_code == 1
    assert 'ok   checkout_click: counts: link "/checkout" on https://www.example.com/' in result.output
    assert 'FAIL signup: counts: form {id: "signup", script_cancels: true}' in result.output
    assert (
        'goals.yaml:19: did not count: trigger "Form submit - signup": Check Validation is on and a script '
        "cancelled the submission" in result.output
    )
    assert "goals.yaml: no examples for pricing_seen" in result.output
    assert result.output.rstrip().endswith("3 examples: 2 passed, 1 failed.")


def test_passing_examples_exit_0(goals):
    result = run("test", "goals.yaml", "--goal", "checkout_click")
    assert result.exit_code == 0, result.output
    assert "2 examples: 2 passed, 0 failed." in result.output
    assert "signup" not in result.output


def test_junit_xml_for_ci(goals, tmp_path):
    report = tmp_path / "examples.xml"
    run("test", "--junit-xml", str(report))
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "3" and suite.get("failures") == "1"
    failed = [case for case in suite.iter("testcase") if case.find("failure") is not None]
    assert [case.get("classname") for case in failed] == ["signup"]
    assert failed[0].get("line") == "19"
    assert "Check Validation is on" in (failed[0].find("failure").text or "")


def test_an_unknown_goal_is_an_error(goals):
    result = run("test", "--goal", "nope")
    assert result.exit_code == 1
    assert "no goal named 'nope'" in result.output


def test_an_example_with_no_element_in_its_html_is_a_problem_at_its_line(goals):
    goals.write_text(GOALS.replace("- link: /checkout", "- click: 'just text'"))
    result = run("test")
    assert result.exit_code == 1
    assert "goals.yaml:10: goal 'checkout_click', example: no HTML element in 'just text'" in result.output


def test_the_plan_comment_says_whether_the_examples_pass(goals):
    result = run("plan", "--format", "markdown")
    assert "- **Examples**: :x: 1 of 3 fail (`goalkeeper test`)" in result.output
    assert "signup (line 19) counts" in result.output
