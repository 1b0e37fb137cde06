"""Start-up of the goalkeeper command: a fresh process each run, as a shell or a pre-commit hook
starts it, with no network and no Google account.

The pre-commit hook runs ``goalkeeper validate`` at every commit, where most of the wait is Python
starting and importing. For the goalkeeper installed beside this Python (its ``goalkeeper``
script; run this with a non-editable install's Python to measure what users run), it prints side
by side the wall time (fastest and median of the runs, after one run to warm the system's caches)
and the median CPU time (user + system, from the kernel's accounting of the child) of:

- Python starting (``python -c pass``), the floor under every command;
- ``goalkeeper --version``;
- ``goalkeeper validate goals/shop.yaml`` (the bundled goal file: ten goals of eight kinds);
- ``goalkeeper plan goals/shop.yaml`` (the bundled example export and snapshot).

Then what each library goalkeeper's commands may import costs (median wall seconds of a fresh
process): alone, over ``python -c pass``; and after the standard-library modules that
``import goalkeeper.cli`` loads (some only because a library needs them), over a process importing
just those. The first counts the standard modules a library pulls in, the second only the library;
libraries share imports (jsonschema and typer both need typing_extensions), so neither adds up.

Python's bytecode cache is on (as after ``pip install``, which compiles every module), in a
folder of the benchmark's own, so an editable install is measured as an installed one.

    python benchmarks/cli_startup.py [--runs N]
"""

from __future__ import annotations

import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNS = 21
# What goalkeeper's commands may import; pydantic is what typer 0.29 and later would add.
LIBRARIES = (
    "typer",
    "pydantic",
    "jsonschema",
    "jinja2.sandbox",
    "ruamel.yaml",
    "re2",
    "filelock",
    "rich.console",
    "bs4",
    "googleapiclient.discovery",
    "google.analytics.admin",
    "goalkeeper.cli",
)

Environment = Callable[[], dict[str, str]]


def goalkeeper_command() -> list[str]:
    """The ``goalkeeper`` script installed beside this Python, else ``python -m goalkeeper``."""
    script = Path(sys.executable).parent / ("goalkeeper.exe" if os.name == "nt" else "goalkeeper")
    return [str(script)] if script.exists() else [sys.executable, "-m", "goalkeeper"]


def process_times(command: list[str], environment: Environment, runs: int) -> dict[str, float]:
    """Wall seconds (fastest and median of ``runs``, after one run to warm the caches) and median
    CPU seconds of ``command`` run from the repository root, each run in ``environment()``."""
    walls, cpus = [], []

    def run() -> None:
        subprocess.run(
            command, cwd=REPO, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
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


def commands(base: dict[str, str]) -> list[tuple[str, list[str], Environment]]:
    """(what, command, environment) of each process to time, cheapest first."""
    goalkeeper = goalkeeper_command()
    return [
        ("Python starting (`python -c pass`)", [sys.executable, "-c", "pass"], lambda: base),
        ("`goalkeeper --version`", [*goalkeeper, "--version"], lambda: base),
        ("`goalkeeper validate goals/shop.yaml`", [*goalkeeper, "validate", "goals/shop.yaml"], lambda: base),
        ("`goalkeeper plan goals/shop.yaml`", [*goalkeeper, "plan", "goals/shop.yaml"], lambda: base),
    ]


def print_commands(base: dict[str, str], runs: int) -> None:
    """The table of commands."""
    print(f"Wall and CPU seconds of a fresh process, {runs} runs each ({os.cpu_count()} CPUs)")
    print()
    print("| process | wall, fastest | wall, median | CPU, median |")
    print("|---|---:|---:|---:|")
    for what, command, environment in commands(base):
        took = process_times(command, environment, runs)
        print(f"| {what} | {took['fastest']:.3f} | {took['median']:.3f} | {took['cpu']:.3f} |", flush=True)
    print()


def standard_modules(base: dict[str, str]) -> list[str]:
    """The top-level standard-library modules a fresh ``import goalkeeper.cli`` loads."""
    listing = "import sys, goalkeeper.cli; print(*sorted(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", listing], cwd=REPO, env=base, capture_output=True, text=True, check=True
    ).stdout.split()
    return sorted({m for m in loaded if "." not in m and m in sys.stdlib_module_names and not m.startswith("_")})


def print_imports(base: dict[str, str], runs: int) -> None:
    """What importing each of LIBRARIES costs, alone and after the standard modules goalkeeper
    loads (median wall seconds)."""
    standard = f"import {', '.join(standard_modules(base))}"
    bare = process_times([sys.executable, "-c", "pass"], lambda: base, runs)["median"]
    floor = process_times([sys.executable, "-c", standard], lambda: base, runs)["median"]
    print(f"Importing one library in a fresh process, wall seconds (median of {runs}); the standard")
    print(f"modules goalkeeper.cli loads take {floor - bare:.3f} s over `python -c pass` ({bare:.3f} s)")
    print()
    print("| import | alone | after the standard modules |")
    print("|---|---:|---:|")
    for name in LIBRARIES:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            print(f"| {name} | not installed | |")
            continue
        alone = process_times([sys.executable, "-c", f"import {name}"], lambda: base, runs)["median"]
        after = process_times([sys.executable, "-c", f"{standard}\nimport {name}"], lambda: base, runs)["median"]
        print(f"| {name} | {alone - bare:.3f} | {after - floor:.3f} |", flush=True)
    print()


def main() -> None:
    arguments = sys.argv[1:]
    runs = int(arguments[arguments.index("--runs") + 1]) if "--runs" in arguments else RUNS
    with tempfile.TemporaryDirectory() as folder:
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        base["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "bytecode")
        print_commands(base, runs)
        print_imports(base, runs)


if __name__ == "__main__":
    main()
