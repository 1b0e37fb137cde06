"""`python -m goalkeeper` runs the goalkeeper command."""

from goalkeeper.cli import app

app(prog_name="goalkeeper")
