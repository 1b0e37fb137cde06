"""The terminal plan's colours, and when it has them."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console

from goalkeeper.core.diff import diff
from goalkeeper.core.model import Entity
from goalkeeper.core.plan import Plan
from goalkeeper.core.state import State
from goalkeeper.render import PlanContext
from goalkeeper.render.text import colour, render_text, wants_colour

ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize(
    ("line", "sgr"),
    [
        ("# goal a (link_click, process_milestone)", "36"),
        ('  + GTM tag "x"', "32"),
        ('      + type = "linkClick"', "32"),
        ('  ~ GTM trigger "y"', "33"),
        ('      ~ filter: Click URL contains "/checkout" -> "/cart"', "33"),
        ('  - GTM variable "z"', "31"),
        ('  -/+ GA4 custom dimension "d" (archived and created again)', "35"),
        ("Plan: 1 to add, 1 to change, 1 to destroy.", "1"),
        ("No changes. The targets match the goals.", "1"),
        ("Target: GTM container export example-container.json", None),
        ("Warning: GA4 would count the event twice", None),
        ("", None),
    ],
)
def test_colour_follows_terraforms_conventions(line: str, sgr: str | None):
    assert colour(line) == (f"\x1b[{sgr}m{line}\x1b[0m" if sgr else line)


@pytest.mark.parametrize(
    "line",
    [
        '      + eventSettingsTable[link_url] = "{{Click URL}}"',  # rich markup would eat [link_url]
        '      + value = "[bold]42[/bold] 3.14 True None https://example.com"',  # no markup, no highlighting
        '      + html = "<script>\tvar a = 1;</script>"',  # a tab stays a tab
        "  + GTM tag " + '"' + "x" * 500 + '"',  # nothing wraps
    ],
)
def test_colour_wraps_a_line_in_escapes_and_leaves_it_as_it_is(line: str):
    assert colour(line) == f"\x1b[32m{line}\x1b[0m"


def test_without_its_escapes_the_coloured_plan_is_the_plain_plan():
    text = '# goal a (link_click, process_milestone)\n  + GTM tag "x"\n\nPlan: 1 to add, 0 to change, 0 to destroy.\n'
    assert ESCAPE.sub("", colour(text)) == text


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stdout does in one."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "settings", "coloured"),
    [
        (Terminal, {}, True),
        (io.StringIO, {}, False),
        (io.StringIO, {"FORCE_COLOR": "1"}, True),
        (Terminal, {"NO_COLOR": "1"}, False),
        (Terminal, {"NO_COLOR": ""}, True),
        (io.StringIO, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (Terminal, {"TERM": "dumb"}, False),
        (io.StringIO, {"FORCE_COLOR": "1", "TERM": "dumb"}, False),
    ],
)
def test_the_stream_and_the_environment_decide_the_colours(monkeypatch, stream, settings, coloured):
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    assert wants_colour(Console(file=stream())) is coloured


@pytest.mark.parametrize(("force_terminal", "coloured"), [(True, True), (False, False)])
def test_a_console_told_it_is_a_terminal_is_believed(monkeypatch, force_terminal: bool, coloured: bool):
    monkeypatch.setenv("TERM", "xterm-256color")
    assert wants_colour(Console(file=io.StringIO(), force_terminal=force_terminal)) is coloured


def test_a_changed_value_is_never_cut_inside_its_quotes():
    from goalkeeper.core.changes import FieldChange
    from goalkeeper.render import field_line

    assert field_line(FieldChange("filter", 'Click URL contains "/checkout"', 'Click URL contains "/cart"')) == (
        '~ filter: Click URL contains "/checkout" -> "/cart"'
    )
    assert field_line(FieldChange("notes", '"Goal: a. Key event: a."', '"Goal: a."')) == (
        '~ notes: "Goal: a. Key event: a." -> "Goal: a."'
    )
    assert field_line(FieldChange("firing triggers", '"Link click - a"', '"Link click - a_b"')) == (
        '~ firing triggers: "Link click - a" -> "Link click - a_b"'
    )


def test_an_update_whose_text_hides_the_change_still_shows_a_line_under_it():
    def variable(ptype: str) -> Entity:
        return Entity(
            "gtm.variable", "Timeout", {"type": "c", "parameter": [{"key": "value", "type": ptype, "value": "5"}]}
        )

    plan = Plan.of(diff(State.of([variable("integer")]), State.of([variable("template")])))
    lines = render_text(plan, PlanContext()).splitlines()
    header = lines.index('  ~ GTM variable "Timeout"')
    assert lines[header + 1] == (
        '      ~ Value: {"key":"value","type":"template","value":"5"} -> {"key":"value","type":"integer","value":"5"}'
    )
