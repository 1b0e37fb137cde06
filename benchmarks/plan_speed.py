"""CPU time of `goalkeeper plan` and `apply` against container export files, and peak memory: no
network, no Google account.

For 10, 100 and 1,000 goals (four kinds: link_click, destination, form_submit, scroll_depth) against
the largest real export (shared/containers/29_creamy-jumper-web-large.json beside the repository,
when present) and a synthetic 10,000-entity export, it prints the CPU seconds (time.process_time)
of the plan (read the goal file, expand, read the export, diff) and of the apply (write the updated
export), and the ratio of the plan's time on the previous parsing path (ruamel's pure-Python loader
for rendered templates, which goalkeeper still falls back to) to the current one (its C loader).
Then the peak memory (tracemalloc) of a plan and an apply by container size.

First it times `goalkeeper validate goals/shop.yaml` (the pre-commit hook) as a user's shell runs
it, a fresh process each time, beside the floors under it: Python starting, the command-line
framework (typer) parsing a path argument, and the libraries validate needs imported. With
--validate it stops there.

    python benchmarks/plan_speed.py [--validate] [path/to/container-export.json ...]
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
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
VALIDATE_RUNS = 21
# What ``goalkeeper validate`` stands on, each a fresh process (see validate_floors).
TYPER_ALONE = """
from pathlib import Path
import typer
app = typer.Typer()
@app.command()
def validate(goals: list[Path] | None = typer.Argument(None), templates: Path | None = typer.Option(None)) -> None:
    pass
@app.command()
def other() -> None:
    pass
app()
"""
LIBRARIES = "import ruamel.yaml, jsonschema, jinja2.sandbox, re2"


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


def process_times(command: list[str], environment: dict[str, str], runs: int = VALIDATE_RUNS) -> dict[str, float]:
    """Wall seconds (fastest and median of ``runs``, after one run to warm the caches) and median
    CPU seconds (user + system, from the kernel's accounting of the child) of ``command`` run from
    the repository root."""
    walls, cpus = [], []
    run = lambda: subprocess.run(  # noqa: E731
        command, cwd=REPO, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    run()
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        run()
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {"fastest": min(walls), "median": statistics.median(walls), "cpu": statistics.median(cpus)}


def validate_floors() -> list[tuple[str, list[str]]]:
    """(what, command): the validate command and the floors under it, cheapest first."""
    python = sys.executable
    return [
        ("Python starting (`python -c pass`)", [python, "-c", "pass"]),
        ("typer parsing a path argument (one-command app)", [python, "-c", TYPER_ALONE, "validate", "goals/shop.yaml"]),
        (
            "typer + the libraries validate needs imported",
            [python, "-c", f"{LIBRARIES}\n{TYPER_ALONE}", "validate", "x"],
        ),
        ("`goalkeeper --version`", [python, "-m", "goalkeeper", "--version"]),
        ("`goalkeeper validate goals/shop.yaml`", [python, "-m", "goalkeeper", "validate", "goals/shop.yaml"]),
    ]


def print_validate() -> None:
    """The table of validate_floors, with Python's bytecode cache on (as after `pip install`,
    which compiles every module), then validate again without it (PYTHONDONTWRITEBYTECODE=1:
    every goalkeeper module compiled from source at each start, as an editable install does in
    an environment that sets it)."""
    print(f"Wall and CPU seconds of a fresh process, {VALIDATE_RUNS} runs each ({os.cpu_count()} CPUs)")
    print()
    print("| process | wall, fastest | wall, median | CPU, median |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as cache:
        cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached["PYTHONPYCACHEPREFIX"] = cache
        uncached = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        floors = [(what, command, cached) for what, command in validate_floors()]
        last_what, last_command, _ = floors[-1]
        for what, command, environment in [*floors, (f"{last_what}, no bytecode cache", last_command, uncached)]:
            took = process_times(command, environment)
            print(f"| {what} | {took['fastest']:.3f} | {took['median']:.3f} | {took['cpu']:.3f} |", flush=True)
    print()


def main() -> None:
    arguments = sys.argv[1:]
    print_validate()
    if "--validate" in arguments:
        return
    containers = exports([a for a in arguments if a != "--validate"])
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
