"""Running the goalkeeper command in tests."""

from __future__ import annotations

from typer.testing import CliRunner

from goalkeeper.cli import app


def run(*args: str):
    """Invoke goalkeeper with ``args`` in the current directory; returns click's Result."""
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
