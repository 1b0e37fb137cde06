"""How long the pure core and the file targets take: expand N goals, read a large real container
export, diff and plan, and render. Prints seconds per step; no network, no Google account.

    python benchmarks/plan_speed.py [path/to/container-export.json]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from goalkeeper.project import open_project
from goalkeeper.render.text import render_text

REPO = Path(__file__).resolve().parent.parent
LARGE = REPO.parent / "shared" / "containers" / "29_creamy-jumper-web-large.json"
GOAL_COUNTS = (10, 100, 500)


def goal(i: int) -> dict:
    kinds = [
        {"kind": "link_click", "url_contains": f"/offer-{i}"},
        {"kind": "destination", "page": {"path_starts_with": f"/step-{i}"}},
        {"kind": "form_submit", "form_id": f"form-{i}"},
        {"kind": "scroll_depth", "percents": [25, 50, 75, 90], "event_name": f"read_{i}"},
    ]
    return {"name": f"goal_{i}", **kinds[i % len(kinds)]}


def timed(step: str, action, figures: dict):
    start = time.perf_counter()
    result = action()
    figures[step] = time.perf_counter() - start
    return result


def main() -> None:
    export = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else (LARGE if LARGE.exists() else REPO / "goals" / "example-container.json")
    )
    entities = sum(
        len(json.loads(export.read_text())["containerVersion"].get(k, [])) for k in ("tag", "trigger", "variable")
    )
    print(f"container: {export.name} ({entities} tags, triggers and variables)")
    print(f"{'goals':>6} {'entities':>9} {'load+expand s':>14} {'read s':>7} {'plan s':>7} {'render s':>9}")
    for count in GOAL_COUNTS:
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "container.json").write_bytes(export.read_bytes())
            goals = {
                "target": {"gtm": {"container_file": "container.json"}, "measurement_id": "G-ABC123XYZ"},
                "goals": [goal(i) for i in range(count)],
            }
            path = Path(folder) / "goals.yaml"
            path.write_text(json.dumps(goals))  # JSON is YAML
            figures: dict[str, float] = {}
            project = timed("load", lambda path=path: open_project(path), figures)
            desired = timed("expand", project.desired, figures)
            timed("read", project.read_live, figures)
            the_plan = timed("plan", project.plan, figures)
            timed("render", lambda p=project, o=the_plan: render_text(o, p.context()), figures)
            print(
                f"{count:>6} {len(desired):>9} {figures['load'] + figures['expand']:>14.2f} {figures['read']:>7.2f} "
                f"{figures['plan']:>7.2f} {figures['render']:>9.2f}"
            )


if __name__ == "__main__":
    main()
