"""`goalkeeper kinds` lists every kind with one line; `goalkeeper kinds NAME` shows fields and an example."""

from __future__ import annotations

from tests.cli_helpers import run


def test_kinds_lists_every_builtin_kind_once(kinds, in_tmp_path):
    result = run("kinds")  # no templates/ here: built-in kinds only
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert sorted(line.split()[0] for line in lines) == sorted(kinds)
    assert any(line.startswith("scroll_depth") and "scroll" in line for line in lines)


def test_kinds_name_shows_fields_and_example(in_tmp_path):
    result = run("kinds", "timer")
    assert result.exit_code == 0
    assert "seconds (required): Seconds on the page before the event is sent." in result.output
    assert "Example:\n- name: engaged_60s" in result.output


def test_kinds_of_an_unknown_name_is_an_error_naming_it(in_tmp_path):
    result = run("kinds", "nope")
    assert result.exit_code == 1
    assert "unknown kind 'nope'" in result.output


def test_kinds_name_shows_the_default_event_allowed_values_defaults_and_tradeoffs(in_tmp_path):
    result = run("kinds", "form_submit")
    assert result.exit_code == 0
    assert "Default GA4 event: form_submit - not the goal's name" in result.output
    assert "  check_validation: Count only submissions" in result.output
    assert "    allowed: true or false; default: false" in result.output
    assert "Give exactly one of: form_id, form_class, form_url_contains." in result.output
    assert "Choose knowingly:\n  - check_validation (off by default, as in GTM)" in result.output
