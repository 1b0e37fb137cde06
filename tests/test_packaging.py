"""A non-editable install carries the goal-kind templates and the example goals: built the way a
wheel is (setup.py build_py, offline), the package alone plans the bundled example."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("build") / "lib"
    subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(target)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return target


def test_the_build_holds_every_template_and_example(built: Path):
    package = built / "goalkeeper" / "data"
    assert {p.name for p in (REPO / "templates").glob("*.j2")} <= {p.name for p in (package / "templates").glob("*.j2")}
    examples = {p.name for p in (REPO / "goals").iterdir() if p.suffix in (".yaml", ".json")}
    assert examples and examples <= {p.name for p in (package / "goals").iterdir()}


def test_the_built_package_alone_plans_its_bundled_example(built: Path, tmp_path: Path):
    # Run from an empty folder with only the built package importable: no checkout to lean on.
    env = {**os.environ, "PYTHONPATH": str(built), "PYTHONNOUSERSITE": "1"}
    code = (
        "import goalkeeper, sys; from importlib import resources; "
        "sys.argv = ['goalkeeper', 'plan', str(resources.files('goalkeeper.data.goals') / 'shop.yaml')]; "
        f"assert goalkeeper.__file__.startswith({str(built)!r}); "
        "from goalkeeper.cli import app; app()"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Plan: " in result.stdout and "to add" in result.stdout
