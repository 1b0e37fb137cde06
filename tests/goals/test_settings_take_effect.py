"""A setting that could not take effect is an error naming the field, never silently dropped."""

from __future__ import annotations

import pytest

from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.goals.load import parse_goal_text

CASES = {
    "an empty list of video thresholds": (
        "kind: youtube_video\n    progress_percent: []",
        "field 'progress_percent': [] should be non-empty",
    ),
    "video thresholds in percent and seconds": (
        "kind: youtube_video\n    progress_percent: [50]\n    progress_seconds: [30]",
        "give progress_percent or progress_seconds, not both",
    ),
    "video thresholds without progress tracked": (
        "kind: youtube_video\n    track: [start, complete]\n    progress_seconds: [30]",
        "progress thresholds need progress in track",
    ),
    "scroll thresholds in percent and pixels": (
        "kind: scroll_depth\n    percents: [50]\n    pixels: [800]",
        "give percents or pixels, not both",
    ),
    "an empty list of scroll thresholds": (
        "kind: scroll_depth\n    pixels: []",
        "field 'pixels': [] should be non-empty",
    ),
    "a site domain that is only a dot": (
        "kind: outbound_link\n    site_domains: ['.']",
        "'.' is not a domain name",
    ),
    "a site domain with a leading dot": (
        "kind: outbound_link\n    site_domains: [.example.com]",
        "'.example.com' is not a domain name",
    ),
    "a visibility time under a millisecond": (
        "kind: element_visibility\n    selector: '#reviews'\n    min_seconds: 0.0004",
        "field 'min_seconds': 0.0004 is less than the minimum of 0.001",
    ),
    "a link URL of spaces": (
        "kind: link_click\n    url_contains: '   '",
        "field 'url_contains': '   ' is only blank space",
    ),
    "an event parameter of spaces": (
        "kind: link_click\n    url_contains: /x\n    params: {plan: ' '}",
        "field 'params.plan': ' ' is only blank space",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_setting_that_cannot_take_effect_is_an_error_naming_the_field(kinds, case):
    fields, expected = CASES[case]
    text = f"goals:\n  - name: g\n    {fields}\n"
    with pytest.raises(GoalkeeperError) as error:
        parse_goal_text(text, kinds)
    messages = [str(p) for p in error.value.problems]
    assert any(m.startswith("goals.yaml:") and "goal 'g'" in m and expected in m for m in messages), messages
