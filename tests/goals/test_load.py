"""Loading goal files: every problem found, each at its exact file and line, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.goals.load import load_goal_file, parse_goal_text

FILE = "goals/site.yaml"
HEAD = (
    "target:\n"  # 1
    "  gtm: {container_file: container.json}\n"  # 2
    "  measurement_id: G-ABC123\n"  # 3
    "goals:\n"  # 4
)
LINK = "    kind: link_click\n    url_contains: /checkout\n"


def problems(goals_text: str, kinds) -> list[tuple[str | None, int | None, str]]:
    with pytest.raises(GoalkeeperError) as error:
        parse_goal_text(HEAD + goals_text, kinds, FILE)
    return [(p.file, p.line, p.message) for p in error.value.problems]


def only_problem(goals_text: str, kinds) -> tuple[int | None, str]:
    (found,) = problems(goals_text, kinds)
    assert found[0] == FILE
    return found[1], found[2]


def test_a_valid_file_loads_into_goals(kinds):
    goal_file = parse_goal_text(HEAD + "  - name: checkout_click\n" + LINK + "    key_event: true\n", kinds, FILE)
    (goal,) = goal_file.goals
    assert (goal.name, goal.kind, goal.event_name, goal.line) == ("checkout_click", "link_click", "checkout_click", 5)
    assert goal.inputs == {"url_contains": "/checkout"}
    assert goal.key_event is not None and goal.key_event.counting == "ONCE_PER_EVENT"
    assert goal_file.measurement_id == "G-ABC123"


def test_an_unknown_kind_is_named_at_its_line_with_the_kind_meant(kinds):
    line, message = only_problem(
        "  - name: a\n"  # 5
        "    kind: lnik_click\n"  # 6
        "    url_contains: /x\n",
        kinds,
    )
    assert line == 6
    assert "unknown kind 'lnik_click'" in message and "link_click" in message


def test_a_missing_required_field_points_at_its_goal(kinds):
    line, message = only_problem(
        "  - name: ok\n"
        + LINK  # 5-7
        + "  - name: a\n"  # 8
        "    kind: link_click\n",
        kinds,
    )
    assert line == 8
    assert "goal 'a'" in message and "give exactly one of url_contains" in message


def test_a_field_of_the_wrong_type_is_named_at_its_line(kinds):
    line, message = only_problem(
        "  - name: a\n"
        + LINK  # 5-7
        + "    wait_for_tags: maybe\n",  # 8
        kinds,
    )
    assert line == 8
    assert "wait_for_tags" in message and "boolean" in message


def test_a_list_item_of_the_wrong_type_is_named_at_its_own_line(kinds):
    line, message = only_problem(
        "  - name: v\n"
        "    kind: youtube_video\n"
        "    progress_percent:\n"  # 7
        "      - 25\n"  # 8
        "      - half\n",  # 9
        kinds,
    )
    assert line == 9
    assert "progress_percent" in message and "integer" in message


def test_an_unknown_field_names_its_line(kinds):
    line, message = only_problem("  - name: a\n" + LINK + "    url_contians: /y\n", kinds)
    assert line == 8
    assert "url_contians" in message


def test_duplicate_goal_names_point_at_the_repeat(kinds):
    line, message = only_problem(
        "  - name: checkout\n"
        + LINK  # 5-7
        + "  - name: other\n"
        + LINK  # 8-10
        + "  - name: checkout\n"
        + LINK,  # 11
        kinds,
    )
    assert line == 11
    assert "'checkout' is used more than once" in message


@pytest.mark.parametrize(
    ("event_name", "expected"),
    [
        ("a" * 41, "41 characters long"),
        ("1st_click", "must start with a letter"),
        ("checkout-click", "only letters, digits and _"),
        ("checkout click", "only letters, digits and _"),
        ("ga_checkout", "prefix 'ga_'"),
        ("google_checkout", "prefix 'google_'"),
        ("firebase_checkout", "prefix 'firebase_'"),
        ("session_start", "reserved by GA4"),
        ("first_visit", "reserved by GA4"),
    ],
)
def test_an_invalid_event_name_points_at_its_line(kinds, event_name, expected):
    line, message = only_problem(
        "  - name: a\n"
        + LINK  # 5-7
        + f"    event_name: {event_name}\n",  # 8
        kinds,
    )
    assert line == 8
    assert expected in message and "goal 'a'" in message


def test_a_leading_underscore_breaks_two_rules_both_reported(kinds):
    found = problems("  - name: a\n" + LINK + "    event_name: _click\n", kinds)
    assert [line for _, line, _ in found] == [8, 8]
    assert "must start with a letter" in found[0][2] and "prefix '_'" in found[1][2]


def test_a_40_character_event_name_is_fine(kinds):
    parse_goal_text(HEAD + "  - name: a\n" + LINK + f"    event_name: {'a' * 40}\n", kinds, FILE)


@pytest.mark.parametrize("name", ["session_start", "google_click", "ga_click"])
def test_an_invalid_event_name_taken_from_the_goal_name_points_at_the_name(kinds, name):
    line, message = only_problem(
        "  - kind: link_click\n"  # 5
        "    url_contains: /x\n"  # 6
        f"    name: {name}\n",  # 7
        kinds,
    )
    assert line == 7
    assert name in message


def test_invalid_parameter_and_dimension_names_are_each_named_at_their_line(kinds):
    found = problems(
        "  - name: a\n"
        + LINK  # 5-7
        + "    params:\n"  # 8
        "      ga_source: web\n"  # 9
        "    dimensions:\n"  # 10
        "      - good_one\n"  # 11
        "      - 2bad\n",  # 12
        kinds,
    )
    assert [(line, "ga_source" in msg or "2bad" in msg) for _, line, msg in found] == [(9, True), (12, True)]


def test_a_regex_that_does_not_compile_is_named_at_its_line(kinds):
    line, message = only_problem(
        "  - name: a\n"
        "    kind: destination\n"
        "    page:\n"  # 7
        "      path_regex: ^/checkout/(a|b\n",  # 8
        kinds,
    )
    assert line == 8
    assert "is not valid in GTM and GA4 (RE2 syntax)" in message


def test_a_regex_re2_cannot_run_is_refused_and_a_good_one_passes(kinds):
    goal = "  - name: a\n    kind: destination\n    page:\n      path_regex: {}\n"
    line, message = only_problem(goal.format("^/checkout(?!/done)"), kinds)
    assert line == 8 and "look-around" in message
    parse_goal_text(HEAD + goal.format("^/checkout/(a|b)$"), kinds, FILE)


def test_every_problem_is_reported_at_once(kinds):
    found = problems(
        "  - name: a\n"  # 5  missing url_contains
        "    kind: link_click\n"
        "  - name: b\n"  # 7
        "    kind: nope\n"  # 8  unknown kind
        "  - name: c\n"
        + LINK  # 9-11
        + "    event_name: ga_c\n",  # 12 reserved prefix
        kinds,
    )
    assert [(file, line) for file, line, _ in found] == [(FILE, 5), (FILE, 8), (FILE, 12)]
    assert "url_contains" in found[0][2] and "nope" in found[1][2] and "ga_" in found[2][2]


def test_problems_in_different_goals_and_of_different_sorts_all_come_back(kinds):
    found = problems(
        "  - name: a\n"
        + LINK  # 5-7
        + "    wait_for_tags: sometimes\n"  # 8
        "  - name: a\n"
        + LINK  # 9-11 (duplicate name at 9)
        + "  - name: b\n"
        + LINK  # 12-14
        + "    event_name: session_start\n",  # 15
        kinds,
    )
    assert sorted(line for _, line, _ in found) == [8, 9, 15]


def test_a_file_that_is_not_a_mapping_is_refused_naming_the_file(kinds):
    with pytest.raises(GoalkeeperError) as error:
        parse_goal_text("- name: a\n", kinds, FILE)
    assert error.value.problems[0].file == FILE
    assert "mapping" in error.value.problems[0].message


def test_load_goal_file_reports_the_real_path(tmp_path: Path, kinds):
    path = tmp_path / "goals.yaml"
    path.write_text(HEAD + "  - name: a\n    kind: nope\n", encoding="utf-8")
    with pytest.raises(GoalkeeperError) as error:
        load_goal_file(path, kinds)
    (problem,) = error.value.problems
    assert str(problem).startswith(f"{path}:6: ")


def test_the_example_goal_file_loads(kinds):
    goal_file = load_goal_file(Path(__file__).resolve().parents[2] / "goals" / "shop.yaml", kinds)
    assert {"destination", "link_click", "youtube_video"} <= {g.kind for g in goal_file.goals}


def test_an_unknown_top_level_key_names_its_line(kinds):
    with pytest.raises(GoalkeeperError) as error:
        parse_goal_text(HEAD + "  - name: a\n" + LINK + "default:\n  currency: EUR\n", kinds, FILE)
    (problem,) = error.value.problems
    assert problem.line == 8 and "'default' was unexpected" in problem.message


def test_a_goal_the_schema_refused_still_has_its_regexes_checked(kinds):
    found = problems(
        "  - name: 2fast\n"  # 5
        "    kind: destination\n"  # 6
        '    page: {path_regex: "(/checkout"}\n',  # 7
        kinds,
    )
    assert sorted(line for _, line, _ in found) == [5, 7]
    assert any("is not valid in GTM and GA4 (RE2 syntax)" in message for _, line, message in found if line == 7)


def test_a_bad_setting_inside_key_event_is_named_exactly(kinds):
    line, message = only_problem("  - name: a\n" + LINK + "    key_event: {counting: sometimes}\n", kinds)
    assert line == 8
    assert "key_event.counting" in message and "once_per_session" in message


# --- owner: whose entities the goal file manages --------------------------------------------------

GOAL = "  - name: checkout_click\n" + LINK


def write_goal_file(folder: Path, name: str = "b2b.yaml", head: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(head + HEAD + GOAL, encoding="utf-8")
    return path


@pytest.mark.parametrize("git_entry", ["dir", "file"])  # a repository, or a linked work tree (.git is a file)
def test_the_owner_is_the_goal_files_path_from_the_repository_root(tmp_path, kinds, monkeypatch, git_entry):
    (tmp_path / ".git").mkdir() if git_entry == "dir" else (tmp_path / ".git").write_text("gitdir: /elsewhere\n")
    path = write_goal_file(tmp_path / "tracking" / "goals")
    monkeypatch.chdir(path.parent)  # the same owner from any working directory
    assert load_goal_file(Path("b2b.yaml"), kinds).owner == "tracking/goals/b2b.yaml"


def test_outside_git_the_owner_is_the_goal_files_name(tmp_path, kinds):
    assert load_goal_file(write_goal_file(tmp_path / "site"), kinds).owner == "b2b.yaml"


def test_the_owner_setting_overrides_the_path(tmp_path, kinds):
    path = write_goal_file(tmp_path, head="owner: shop-tracking\nadopt_unowned: true\n")
    goal_file = load_goal_file(path, kinds)
    assert (goal_file.owner, goal_file.adopt_unowned) == ("shop-tracking", True)


@pytest.mark.parametrize("owner", ["has space", "a,b", "x" * 65, "trailing/"])
def test_an_owner_that_cannot_go_into_a_marker_is_named_at_its_line(kinds, owner):
    with pytest.raises(GoalkeeperError) as error:
        parse_goal_text(f"owner: {owner!r}\n" + HEAD + GOAL, kinds, FILE)
    [problem] = error.value.problems
    assert problem.line == 1 and "owner" in problem.message


def test_a_path_that_cannot_be_an_owner_asks_for_the_owner_setting(tmp_path, kinds):
    path = write_goal_file(tmp_path, "b2b goals.yaml")
    with pytest.raises(GoalkeeperError) as error:
        load_goal_file(path, kinds)
    [problem] = error.value.problems
    assert "set `owner:`" in problem.message and problem.file == str(path)
