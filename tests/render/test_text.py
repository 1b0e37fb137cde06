"""The terminal plan's colours."""

from __future__ import annotations

from goalkeeper.render.text import colour


def test_colour_follows_terraforms_conventions():
    import click

    text = '# goal a (link_click, process_milestone)\n  + GTM tag "x"\n  ~ GTM trigger "y"\n  - GTM variable "z"\n\nPlan: 1 to add, 1 to change, 1 to destroy.\n'
    coloured = colour(text)
    assert click.unstyle(coloured) == text
    lines = coloured.splitlines()
    assert lines[1] == click.style('  + GTM tag "x"', fg="green")
    assert lines[2] == click.style('  ~ GTM trigger "y"', fg="yellow")
    assert lines[3] == click.style('  - GTM variable "z"', fg="red")
    assert lines[-1] == click.style("Plan: 1 to add, 1 to change, 1 to destroy.", bold=True)


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
