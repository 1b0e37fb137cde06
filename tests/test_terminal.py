"""goalkeeper as a user meets it: a wheel built from this checkout, installed without the test
extras into a clean virtual environment, run in a pseudo-terminal. What only happens in a terminal
(colours, the apply question, the spinner and the progress bar, Ctrl-C) runs here with only the
declared dependencies."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pty = pytest.importorskip("pty", reason="pseudo-terminals need a POSIX system")
termios = pytest.importorskip("termios", reason="pseudo-terminals need a POSIX system")

REPO = Path(__file__).resolve().parent.parent
# Not part of a build: the checkout's own environment, caches and earlier builds.
NOT_BUILT = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache")
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
GREEN_ADD = '\x1b[32m  + GTM trigger "'
# The whole prompt, up to where the answer goes: typed earlier, the terminal's echo of the answer
# would land inside the prompt.
QUESTION = b"Apply these changes? [y/N]: "
# A guard against a hung prompt, not a measurement: far above the few seconds a run takes.
HANG_GUARD_SECONDS = 120


@pytest.fixture(scope="session")
def goalkeeper(tmp_path_factory) -> Path:
    """The goalkeeper command of a clean venv holding the wheel and its runtime dependencies only."""
    root = tmp_path_factory.mktemp("installed")
    source = root / "source"
    shutil.copytree(REPO, source, ignore=NOT_BUILT)  # the build writes beside its sources
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", str(source), "--no-deps", "-w", str(root / "wheels")], check=True)
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    venv_pip = [str(root / "venv" / "bin" / "python"), *pip[1:]]
    subprocess.run([*venv_pip, "install", *map(str, (root / "wheels").glob("*.whl"))], check=True)
    return root / "venv" / "bin" / "goalkeeper"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's goals/ folder, as the README's quick start uses it."""
    shutil.copytree(REPO / "goals", tmp_path / "goals", ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return tmp_path


def terminal_env(**overrides: str) -> dict[str, str]:
    """The environment of a colour terminal, without the test run's colour settings or Python paths."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLORTERM", "PYTHONPATH"}
    }
    return {**env, "TERM": "xterm-256color", **overrides}


@dataclass
class Run:
    status: int
    output: str


def in_terminal(
    argv: list[str], cwd: Path, env: dict[str, str], answer: str | None = None, interrupt_on: bytes | None = None
) -> Run:
    """Run ``argv`` with a pseudo-terminal as its stdin, stdout and stderr; type ``answer`` when it
    asks the apply question; press Ctrl-C (SIGINT to its process group, as a terminal does) once
    ``interrupt_on`` shows. The output as the terminal shows it, newlines normalised."""
    master, slave = os.openpty()
    termios.tcsetwinsize(slave, (40, 120))
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], HANG_GUARD_SECONDS)
            if not ready:
                process.kill()
                raise AssertionError(f"{argv} waits for input it was not given; it printed:\n{seen.decode()}")
            try:
                chunk = os.read(master, 4096)
            except OSError:  # Linux: the child closed the terminal
                chunk = b""
            if not chunk:
                break
            seen += chunk
            if answer is not None and QUESTION in seen:
                os.write(master, answer.encode() + b"\n")
                answer = None
            if interrupt_on is not None and interrupt_on in seen:
                os.killpg(process.pid, signal.SIGINT)
                interrupt_on = None
    finally:
        os.close(master)
    return Run(process.wait(), seen.decode().replace("\r\n", "\n"))


def piped(argv: list[str], cwd: Path, env: dict[str, str]) -> Run:
    result = subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    return Run(result.returncode, result.stdout + result.stderr)


def test_the_quick_start_plan_is_coloured_in_a_terminal(goalkeeper: Path, project: Path):
    run = in_terminal([str(goalkeeper), "plan", "goals/shop.yaml"], project, terminal_env())
    assert run.status == 0, run.output
    assert "Traceback" not in run.output
    assert GREEN_ADD in run.output
    assert re.search(r"\x1b\[1mPlan: \d+ to add, 0 to change, 0 to destroy\.\x1b\[0m", run.output)


@pytest.mark.parametrize(
    ("answer", "status", "last_line", "written"),
    [
        ("yes", 0, "Apply complete.", True),
        ("no", 1, "Apply cancelled; nothing was changed.", False),
    ],
)
def test_apply_asks_in_the_terminal_and_does_what_it_is_told(
    goalkeeper: Path, project: Path, answer: str, status: int, last_line: str, written: bool
):
    targets = [project / "goals" / "example-container.json", project / "goals" / "example-ga4.json"]
    before = [t.read_bytes() for t in targets]
    run = in_terminal([str(goalkeeper), "apply", "goals/shop.yaml"], project, terminal_env(), answer=answer)
    assert run.status == status, run.output
    assert "Traceback" not in run.output
    assert any(line.strip().startswith(last_line) for line in ESCAPE.sub("", run.output).splitlines())
    assert [t.read_bytes() != b for t, b in zip(targets, before, strict=True)] == [written, written]


@pytest.mark.parametrize(
    ("terminal", "settings", "coloured"),
    [
        (True, {"NO_COLOR": "1"}, False),
        (True, {"TERM": "dumb"}, False),
        (True, {"NO_COLOR": ""}, True),  # an empty NO_COLOR is no setting
        (False, {}, False),
        (False, {"FORCE_COLOR": "1"}, True),
        (False, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
    ids=["no-color", "dumb-terminal", "empty-no-color", "piped", "force-color-piped", "no-color-beats-force-color"],
)
def test_the_environment_decides_the_colours(
    goalkeeper: Path, project: Path, terminal: bool, settings: dict[str, str], coloured: bool
):
    run = (in_terminal if terminal else piped)(
        [str(goalkeeper), "plan", "goals/shop.yaml"], project, terminal_env(**settings)
    )
    assert run.status == 0, run.output
    assert (GREEN_ADD in run.output) is coloured
    # Colour escapes (SGR); a terminal's spinner moves the cursor with escapes of its own.
    assert bool(re.search(r"\x1b\[[0-9;]*m", run.output)) is coloured


def test_the_coloured_plan_is_the_plain_plan_plus_escapes(goalkeeper: Path, project: Path):
    argv = [str(goalkeeper), "plan", "goals/shop.yaml"]
    plain = piped(argv, project, terminal_env())
    coloured = piped(argv, project, terminal_env(FORCE_COLOR="1"))
    assert coloured.output != plain.output
    assert ESCAPE.sub("", coloured.output) == plain.output


def screens(output: str) -> list[str]:
    """What the terminal showed, one redraw at a time, without escapes."""
    return [ESCAPE.sub("", part).strip() for part in re.split(r"\r|\x1b\[2K", output)]


def test_the_plan_shows_a_spinner_while_it_reads_the_targets(goalkeeper: Path, project: Path):
    run = in_terminal([str(goalkeeper), "plan", "goals/shop.yaml"], project, terminal_env())
    assert run.status == 0, run.output
    reading = "Reading GTM container export goals/example-container.json and GA4 snapshot goals/example-ga4.json…"
    assert any(screen.endswith(reading) for screen in screens(run.output))
    assert reading not in ESCAPE.sub("", run.output).split("Target:")[-1]  # gone once the plan shows


@pytest.fixture
def live_goals(project: Path):
    """The example goals against a live container and property of the fake Google APIs."""
    from goalkeeper.testing import FakeGoogle
    from tests.backends.conftest import ACCOUNT, CHECKOUT, CLICK, VIDEO, write_goals

    with FakeGoogle(quota=False) as fake:
        seeded = fake.seed_container_export(
            project / "goals" / "example-container.json", account_id=ACCOUNT, public_id="GTM-ABC123"
        )
        fake.seed_ga4_snapshot(project / "goals" / "example-ga4.json")
        write_goals(project / "live.yaml", [CLICK, CHECKOUT, VIDEO], seeded.container_id)
        yield fake


def test_a_live_apply_counts_a_pause_down_second_by_second(goalkeeper: Path, project: Path, live_goals):
    # GTM refuses the bulk write for its quota twice: goalkeeper retries after 2 s, then 4 s.
    live_goals.faults.add(status=429, api="gtm", method="POST", path_contains="bulk_update", times=2)
    env = terminal_env(GOALKEEPER_API_ENDPOINT=live_goals.url)
    run = in_terminal([str(goalkeeper), "apply", "live.yaml", "--auto-approve"], project, env)
    assert run.status == 0, run.output
    shown = screens(run.output)
    for second in (4, 3, 2, 1):
        assert any(f"retry in {second}s" in screen for screen in shown), f"no {second}s left shown"
    assert "Apply complete." in ESCAPE.sub("", run.output)


def test_ctrl_c_says_what_was_applied_and_that_applying_again_converges(goalkeeper: Path, project: Path, live_goals):
    live_goals.faults.add(status=429, api="gtm", method="POST", path_contains="bulk_update", times=6)
    env = terminal_env(GOALKEEPER_API_ENDPOINT=live_goals.url)
    argv = [str(goalkeeper), "apply", "live.yaml", "--auto-approve"]
    run = in_terminal(argv, project, env, interrupt_on=b"retry in")
    assert run.status == 130, run.output
    text = ESCAPE.sub("", run.output)
    assert "Traceback" not in text
    summary = text[text.index("Interrupted: ") :]
    assert re.match(r"Interrupted: \d+ of \d+ changes were applied before the interruption\.", summary)
    assert '+ GA4 key event "checkout_click"' in summary  # GA4 goes first
    assert "GA4 event - checkout_click" not in summary  # GTM's write was under way when Ctrl-C came
    assert "Run `goalkeeper apply` again" in summary and "converges" in summary

    live_goals.faults.clear()
    assert in_terminal(argv, project, env).status == 0
    again = piped([str(goalkeeper), "plan", "live.yaml", "--detailed-exitcode"], project, env)
    assert again.status == 0, again.output
