"""Golden tests: each built-in kind expands into exactly the entities pinned in golden/<kind>.json.

The goldens are the reviewed, desired GTM and GA4 entities (checked against the real trigger and
API shapes of real container exports). After an intended change, regenerate
them with ``GOALKEEPER_UPDATE_GOLDEN=1 pytest tests/goals/test_kinds_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GOALKEEPER_UPDATE_GOLDEN") == "1"

# Per kind: goals covering its variants (one goal file per kind).
CASES = {
    "destination": """
  - {name: checkout_page_view, kind: destination, page: {path_starts_with: /checkout}, key_event: {counting: once_per_session, value: 5, currency: USD}}
  - {name: thank_you_view, kind: destination, page: {url_equals: "https://shop.example/thank-you"}}
  - {name: pricing_or_reviews, kind: destination, page: [{path_equals: /pricing}, {path_starts_with: /reviews}]}
  - {name: signup_done_rule, kind: destination, page: {path_equals: /welcome}, via: ga4_rule}
  - {name: app_pricing_view, kind: destination, page: {path_starts_with: /app/pricing}, history_changes: true}
""",
    "link_click": """
  - {name: checkout_click, kind: link_click, url_contains: /checkout, key_event: true}
  - {name: demo_link, kind: link_click, url_regex: "/(book|schedule)-a-demo", wait_for_tags: true}
""",
    "outbound_link": """
  - {name: outbound_click, kind: outbound_link, site_domains: [example.com, example-shop.com]}
""",
    "social_link": """
  - {name: social_follow, kind: social_link, networks: [facebook, instagram, x]}
""",
    "contact_link": """
  - {name: email_click, kind: contact_link, schemes: [mailto]}
  - {name: call_or_mail, kind: contact_link}
""",
    "element_click": """
  - {name: cta_click, kind: element_click, selector: "a.cta, button.cta"}
  - {name: demo_button, kind: element_click, element_id: book-demo}
""",
    "form_submit": """
  - {name: quote_request, kind: form_submit, form_id: quote-form, event_name: generate_lead, key_event: {value: 50, currency: EUR}}
  - {name: newsletter_signup, kind: form_submit, form_class: newsletter, event_name: sign_up, check_validation: false, params: {method: newsletter}}
""",
    "file_download": """
  - {name: ebook_download, kind: file_download, extensions: [pdf, epub], url_contains: /ebooks/}
""",
    "youtube_video": """
  - {name: product_video, kind: youtube_video, track: [start, progress, complete], progress_percent: [25, 50, 75], dimensions: [video_title]}
  - {name: video_paused, kind: youtube_video, track: [pause], event_name: video_paused, key_event: true}
""",
    "scroll_depth": """
  - {name: article_read, kind: scroll_depth, page_path_regex: ^/blog/}
  - {name: long_page_pixels, kind: scroll_depth, pixels: [1000, 3000]}
""",
    "element_visibility": """
  - {name: reviews_seen, kind: element_visibility, selector: "#reviews", min_seconds: 2}
  - {name: pricing_table_seen, kind: element_visibility, element_id: pricing, min_percent_visible: 75, frequency: every_time, observe_dom_changes: true}
""",
    "timer": """
  - {name: engaged_60s, kind: timer, seconds: 60}
""",
    "datalayer_event": """
  - {name: add_to_cart, kind: datalayer_event, datalayer_event: add_to_cart, ecommerce: true, key_event: true}
  - {name: calculator_used, kind: datalayer_event, datalayer_event: calculator_used, parameters: {calculator_result: roi.result}, dimensions: [calculator_result]}
""",
    "audience": """
  - {name: returning_visitors, kind: audience, returning: true}
  - {name: blog_readers, kind: audience, event_count: {event: article_view, at_least: 3}}
  - {name: long_sessions, kind: audience, session_minutes_over: 5, membership_days: 60}
  - {name: five_pages, kind: audience, pages_per_session_at_least: 5}
""",
}


def as_golden(state) -> list[dict]:
    return [{"kind": e.kind, "name": e.name, "goals": list(e.goals), "body": e.body} for e in state]


def test_every_builtin_kind_has_a_golden_case(kinds):
    assert sorted(CASES) == sorted(k.name for k in kinds.values() if k.builtin)


@pytest.mark.parametrize("kind_name", sorted(CASES))
def test_a_kind_expands_to_its_reviewed_golden_entities(kind_name, expand_goals):
    actual = as_golden(expand_goals(CASES[kind_name], f"{kind_name}.yaml"))
    path = GOLDEN / f"{kind_name}.json"
    if UPDATE:
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert path.exists(), f"no golden for {kind_name}; run with GOALKEEPER_UPDATE_GOLDEN=1 and review it"
    assert actual == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind_name", sorted(CASES))
def test_kind_example_is_a_valid_goal(kind_name, kinds, expand_goals):
    """The example `goalkeeper kinds NAME` prints is a goal a user can paste as it is."""
    example = kinds[kind_name].example
    assert expand_goals("\n".join("  " + line for line in example.splitlines()))
