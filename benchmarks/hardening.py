"""Faults survived and bad inputs handled: the figures behind docs/hardening.md.

Faults: every request position of four live applies (GTM and GA4, first apply and a later one;
GA4 alone, first apply and a later one) against the local fake of the Google APIs, with each of
four faults: a dropped connection, a 503, a 429, and an answer after the client's timeout (the
work done all the same). Survived: the apply run again finishes, nothing is left to do, no name
exists twice, nothing unmanaged changed (tests/backends/fault_matrix.py).

Inputs: every case of the bad-input corpus (tests/bad_inputs.py): goal files, templates, container
exports, GA4 snapshots, saved plans, command lines. Handled: exit status 1, an error naming the
file, no traceback, nothing written; with the time each took in-process.

    python benchmarks/hardening.py            # everything (about five minutes)
    python benchmarks/hardening.py inputs     # the corpus only
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the corpus and the fault matrix live with the tests

from tests.backends import fault_matrix  # noqa: E402
from tests.bad_inputs import CASES, Case, contents, make  # noqa: E402
from tests.conftest import EXAMPLES, THREE_GOALS  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from goalkeeper.cli import app  # noqa: E402


def faults() -> None:
    print("Faults: one per request position of each apply, then the apply run again")
    print(f"{'scenario':<16} {'requests':>8}  " + "  ".join(f"{f:>9}" for f in fault_matrix.FAULTS))
    tried = survived = 0
    for scenario in fault_matrix.SCENARIOS:
        count = fault_matrix.requests_of(scenario)
        cells = []
        for fault in fault_matrix.FAULTS:
            outcomes = [fault_matrix.case(scenario, fault, n) for n in range(1, count + 1)]
            ok = sum(o.survived for o in outcomes)
            tried, survived = tried + len(outcomes), survived + ok
            cells.append(f"{ok:>4}/{len(outcomes):<4}")
            for n, outcome in enumerate(outcomes, 1):
                if not outcome.survived:
                    print(f"  not survived: {scenario}, {fault} at request {n}: {outcome.problems}")
        print(f"{scenario:<16} {count:>8}  " + "  ".join(f"{c:>9}" for c in cells))
    print(f"faults tried {tried}, survived {survived}\n")


def _project(folder: Path) -> Path:
    project = folder / "project"
    shutil.copytree(EXAMPLES, project, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    (project / "shop.yaml").write_text(THREE_GOALS)
    return project


def _handled(case: Case) -> tuple[bool, float]:
    import os

    with tempfile.TemporaryDirectory() as folder:
        project = _project(Path(folder))
        make(project, case.files)
        before = contents(project)
        cwd, saved_env = Path.cwd(), dict(os.environ)
        os.chdir(project)
        os.environ.update(case.env)
        try:
            start = time.perf_counter()
            result = CliRunner().invoke(app, list(case.args))
            seconds = time.perf_counter() - start
        finally:
            os.chdir(cwd)
            os.environ.clear()
            os.environ.update(saved_env)
        text = result.output + (result.stderr if result.stderr_bytes is not None else "")
        clean = result.exception is None or isinstance(result.exception, SystemExit)
        ok = result.exit_code == 1 and case.names in text and "Traceback" not in text and clean
        return ok and contents(project) == before, seconds


def inputs() -> None:
    print("Bad inputs: exit 1, the file named, no traceback, nothing written")
    tried: Counter[str] = Counter()
    handled: Counter[str] = Counter()
    times: list[float] = []
    timed: list[tuple[float, str]] = []
    for case in CASES:
        group = case.name.split(":")[0].split(" (")[0]
        ok, seconds = _handled(case)
        tried[group] += 1
        handled[group] += ok
        times.append(seconds)
        timed.append((seconds, case.name))
        if not ok:
            print(f"  not handled: {case.name}")
    for group in tried:
        print(f"{group:<20} {handled[group]:>4}/{tried[group]:<4}")
    print(
        f"inputs tried {sum(tried.values())}, handled {sum(handled.values())}; seconds per input: "
        f"median {statistics.median(times):.3f}, slowest {max(times):.3f}"
    )
    print("slowest: " + "; ".join(f"{name} {seconds:.2f} s" for seconds, name in sorted(timed)[-3:]) + "\n")


if __name__ == "__main__":
    chosen = sys.argv[1:] or ["faults", "inputs"]
    if "faults" in chosen:
        faults()
    if "inputs" in chosen:
        inputs()
