"""CPU time of `goalkeeper plan` and `apply` against container export files, and peak memory: no
network, no Google account.

For 10, 100 and 1,000 goals (four kinds: link_click, destination, form_submit, scroll_depth) against
the largest real export (shared/containers/29_creamy-jumper-web-large.json beside the repository,
when present) and a synthetic 10,000-entity export, it prints the CPU seconds (time.process_time)
of the plan (read the goal file, expand, read the export, diff) and of the apply (write the updated
export), and the ratio of the plan's time on the previous parsing path (ruamel's pure-Python loader
for rendered templates, which goalkeeper still falls back to) to the current one (its C loader).
Then the peak memory (tracemalloc) of a plan and an apply by container size.

The start-up of the command (`goalkeeper validate` as the pre-commit hook runs it) is measured by
benchmarks/cli_startup.py.

    python benchmarks/plan_speed.py [path/to/container-export.json ...]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from goalkeeper.goals import source
from goalkeeper.project import open_project
from goalkeeper.testing.fake_google.seed import synthetic_container_export

REPO = Path(__file__).resolve().parent.parent
LARGE = REPO.parent / "shared" / "containers" / "29_creamy-jumper-web-large.json"
GOAL_COUNTS = (10, 100, 1000)


def goal(i: int) -> dict:
    kinds = [
        {"kind": "link_click", "url_contains": f"/offer-{i}"},
        {"kind": "destination", "page": {"path_starts_with": f"/step-{i}"}},
        {"kind": "form_submit", "form_id": f"form-{i}"},
        {"kind": "scroll_depth", "percents": [25, 50, 75, 90], "event_name": f"read_{i}"},
    ]
    return {"name": f"goal_{i}", **kinds[i % len(kinds)]}


def exports(arguments: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """(name, export document) of each container to plan against."""
    paths = [Path(a) for a in arguments] or ([LARGE] if LARGE.exists() else [REPO / "goals" / "example-container.json"])
    found = [(p.name, json.loads(p.read_text())) for p in paths]
    return [*found, ("synthetic, 10,000 entities", synthetic_container_export(10_000))]


def entities(document: dict[str, Any]) -> int:
    version = document["containerVersion"]
    return sum(len(version.get(k, [])) for k in ("tag", "trigger", "variable", "folder"))


def cpu(action: Callable[[], Any]) -> tuple[Any, float]:
    start = time.process_time()
    result = action()
    return result, time.process_time() - start


def run(document: dict[str, Any], count: int, folder: Path) -> dict[str, float]:
    """Plan and apply ``count`` goals against ``document`` in ``folder``: CPU seconds of each."""
    (folder / "container.json").write_text(json.dumps(document))
    goals = {
        "target": {"gtm": {"container_file": "container.json"}, "measurement_id": "G-ABC123XYZ"},
        "goals": [goal(i) for i in range(count)],
    }
    path = folder / "goals.yaml"
    path.write_text(json.dumps(goals, indent=1))  # JSON is YAML
    project, opened = cpu(lambda: open_project(path))
    the_plan, planned = cpu(project.plan)
    _, applied = cpu(lambda: project.apply(the_plan))
    return {"plan": opened + planned, "apply": applied, "changes": len(the_plan.changes)}


def on_previous_path(action: Callable[[], dict[str, float]]) -> dict[str, float]:
    """``action`` with rendered templates parsed by ruamel's pure-Python loader."""
    loader, source.C_LOADER = source.C_LOADER, None
    try:
        return action()
    finally:
        source.C_LOADER = loader


def peak_mb(action: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main() -> None:
    containers = exports(sys.argv[1:])
    print("CPU seconds (time.process_time), one run each")
    print()
    print("| container | entities | goals | changes | plan | apply | plan on the pure-Python loader | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, document in containers:
        for count in GOAL_COUNTS:
            with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
                now = run(document, count, Path(a))
                before = on_previous_path(lambda d=document, c=count, f=Path(b): run(d, c, f))
            print(
                f"| {name} | {entities(document):,} | {count:,} | {now['changes']:,} | {now['plan']:.2f} "
                f"| {now['apply']:.2f} | {before['plan']:.2f} | {before['plan'] / now['plan']:.1f}x |",
                flush=True,
            )
    print()
    print("Peak memory (tracemalloc) of planning and applying 100 goals, by container size")
    print()
    print("| entities | peak MB |")
    print("|---:|---:|")
    for size in (1_000, 5_000, 10_000, 20_000):
        document = synthetic_container_export(size)
        with tempfile.TemporaryDirectory() as folder:
            peak = peak_mb(lambda d=document, f=Path(folder): run(d, 100, f))
        print(f"| {entities(document):,} | {peak:.1f} |", flush=True)


if __name__ == "__main__":
    main()
