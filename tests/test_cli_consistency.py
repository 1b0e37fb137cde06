"""`validate` and `plan` refuse tracking that would count twice or mark what nothing sends, and say
which Google tag loads GA4: on the bundled example and on real container exports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli_helpers import run
from tests.conftest import EXAMPLES, SHARED_CONTAINERS, needs_shared

ADD_TO_CART = """\
  - name: add_to_cart
    kind: datalayer_event
    datalayer_event: add_to_cart
    key_event: true
"""


def project(folder: Path, export: Path, goals: str, measurement_id: str = "G-ABC123XYZ") -> Path:
    """A goal file beside a copy of ``export`` and of the example GA4 snapshot; the snapshot's stream
    gets ``measurement_id`` so its enhanced-measurement settings apply."""
    shutil.copyfile(export, folder / "container.json")
    snapshot = json.loads((EXAMPLES / "example-ga4.json").read_text(encoding="utf-8"))
    snapshot["dataStreams"][0]["webStreamData"]["measurementId"] = measurement_id
    (folder / "ga4.json").write_text(json.dumps(snapshot), encoding="utf-8")
    header = "target:\n  gtm: {container_file: container.json}\n  ga4: {snapshot_file: ga4.json}\n"
    (folder / "goals.yaml").write_text(f"{header}  measurement_id: {measurement_id}\ngoals:\n{goals}")
    return folder / "goals.yaml"


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_validate_shows_warnings_and_passes(here):
    project(
        here,
        EXAMPLES / "example-container.json",
        "  - {name: signup, kind: form_submit, form_id: nl, key_event: true}\n",
    )
    result = run("validate", "goals.yaml")
    assert result.exit_code == 0
    assert "Warning: goals.yaml:6: goal 'signup' marks 'form_submit' as a GA4 key event" in result.output
    assert "goals.yaml: 1 goal, valid." in result.output


def test_validate_refuses_a_missing_measurement_id_like_plan(here):
    Path("goals.yaml").write_text(
        "target:\n  gtm: {container_file: c.json}\ngoals:\n  - {name: a, kind: timer, seconds: 5}\n"
    )
    for command in ("validate", "plan"):
        result = run(command, "goals.yaml")
        assert result.exit_code == 1 and "goals.yaml:1: target.measurement_id (G-XXXX) is needed" in result.output


def test_the_example_container_has_a_google_tag_for_the_id_so_goalkeeper_makes_none(project_dir, monkeypatch):
    monkeypatch.chdir(project_dir)
    result = run("plan", "shop.yaml")
    assert result.exit_code == 0 and "Google tag" not in result.output


# --- real exports ---------------------------------------------------------------------------------


def real(name: str) -> Path:
    return SHARED_CONTAINERS / f"{name}.json"


@needs_shared
@pytest.mark.parametrize(
    "export, measurement_id, tag",
    [
        ("17_addingwell-shopify", "G-XXXXXXXX", "GA4 - Event - Add to cart"),  # add_to_cart on that push
        ("19_knowit-ga4-ecom-attribution", "G-XXXXXXXXXX", "GA4 - Ecom - Generic - Merge"),  # {{Event}} on it
        ("29_creamy-jumper-web-large", "G-D49RLV2QEZ", "[GA4] - Add To Cart"),  # regex addToCart|add_to_cart
    ],
)
def test_a_goal_doubling_a_ga4_event_tag_of_a_real_container_is_refused(here, export, measurement_id, tag):
    project(here, real(export), ADD_TO_CART, measurement_id)
    before = Path("container.json").read_bytes()
    result = run("apply", "goals.yaml", "--auto-approve")
    assert result.exit_code == 1
    assert (
        f"Error: goals.yaml:6: goal 'add_to_cart' sends 'add_to_cart' on the dataLayer event 'add_to_cart', and the container's tag {tag!r}"
        in result.output
    )
    assert Path("container.json").read_bytes() == before


@needs_shared
def test_declared_external_the_containers_tag_keeps_sending_and_goalkeeper_adds_only_the_key_event(here):
    project(here, real("17_addingwell-shopify"), ADD_TO_CART + "    external: true\n", "G-XXXXXXXX")
    result = run("plan", "goals.yaml")
    assert result.exit_code == 0, result.output
    assert '+ GA4 key event "add_to_cart"' in result.output and "GTM" not in result.output.split("actions:")[1]
    assert "Plan: 1 to add" in result.output


@needs_shared
def test_a_goal_sending_page_view_beside_a_real_google_tag_is_refused(here):
    goals = "  - {name: checkout, kind: destination, event_name: page_view, page: {path_starts_with: /checkout}}\n"
    project(here, real("29_creamy-jumper-web-large"), goals, "G-D49RLV2QEZ")
    result = run("plan", "goals.yaml")
    assert result.exit_code == 1
    assert (
        "goals.yaml:6: goal 'checkout' sends 'page_view', which the Google tag '[GA4] - Config' already sends"
        in result.output
    )


@needs_shared
@pytest.mark.parametrize(
    "export, measurement_id, made, warning",
    [
        ("01_fresh-start-empty", "G-ABC123XYZ", True, None),
        ("29_creamy-jumper-web-large", "G-D49RLV2QEZ", False, None),  # its [GA4] - Config, through a constant
        ("29_creamy-jumper-web-large", "G-ABC123XYZ", True, "'[GA4] - Config' loads G-D49RLV2QEZ, not measurement_id G-ABC123XYZ"),
        ("13_dase-ga4-basic", "G-ABC123XYZ", False, "cannot tell which measurement ID the container's Google tag 'GA4 - Configuration' loads"),
        ("24_govau-base-container", "G-ABC123XYZ", False, "cannot tell"),  # an older GA4 Configuration tag
    ],
)  # fmt: skip
def test_goalkeeper_makes_a_google_tag_only_where_a_real_container_has_none_for_the_id(
    here, export, measurement_id, made, warning
):
    project(here, real(export), "  - {name: engaged, kind: timer, seconds: 30}\n", measurement_id)
    result = run("plan", "goals.yaml")
    assert result.exit_code == 0, result.output
    assert ('+ GTM tag "goalkeeper - Google tag"' in result.output) is made
    if warning:
        [line] = [text for text in result.output.splitlines() if warning in text]
        assert line.startswith("Warning: goals.yaml:4: ")  # the measurement_id line
    else:
        assert "Warning" not in result.output


@needs_shared
def test_the_google_tag_goalkeeper_makes_fires_first_and_is_kept_after_apply(here):
    project(here, real("01_fresh-start-empty"), "  - {name: engaged, kind: timer, seconds: 30}\n")
    assert run("apply", "goals.yaml", "--auto-approve").exit_code == 0
    version = json.loads(Path("container.json").read_text(encoding="utf-8"))["containerVersion"]
    [google] = [t for t in version["tag"] if t["type"] == "googtag"]
    assert google["firingTriggerId"] == ["2147479573"]  # Initialization - All Pages
    assert google["parameter"] == [{"type": "TEMPLATE", "key": "tagId", "value": "{{goalkeeper - GA4 Measurement ID}}"}]
    assert run("plan", "goals.yaml", "--detailed-exitcode").exit_code == 0
