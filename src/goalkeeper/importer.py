"""Moving configuration between goal files and files GTM and GA4 know: a GA4 snapshot written from
a live property, and a standalone container export written from goal files.

Both only read targets and write a new file: nothing in GTM or GA4 changes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from goalkeeper.backends.container_file import ContainerFileBackend
from goalkeeper.backends.json_file import write_atomically
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.selection import Selection
from goalkeeper.project import open_project


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` whole or not at all; GoalkeeperError naming the file when it
    cannot be written."""
    try:
        write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except OSError as error:
        raise GoalkeeperError(Problem(f"could not be written ({error.strerror or error})", str(path))) from None


def write_snapshot(goals_path: Path, out: Path, templates: Path | None = None) -> dict[str, int]:
    """Read the live GA4 property of ``goals_path``'s target (target.ga4.property) and write it to
    ``out`` as a GA4 snapshot file (goalkeeper.backends.ga4_snapshot's format). Returns how many
    objects of each list were written. GoalkeeperError when the goal file's GA4 target is not a
    live property, or the property cannot be read."""
    project = open_project(goals_path, templates)
    live = next((b for b in project.backends if b.target == "ga4"), None)
    if live is None or not hasattr(live, "snapshot"):
        raise GoalkeeperError(
            Problem(
                'snapshot reads a live GA4 property: set target.ga4 to {property: "123456789"} '
                "(with credentials as for plan), then run it again",
                str(goals_path),
            )
        )
    document: dict[str, Any] = live.snapshot()
    write_json(out, document)
    return {key: len(value) for key, value in document.items() if isinstance(value, list | dict)}


def blank_export(usage_context: str = "WEB") -> dict[str, Any]:
    """An export (exportFormatVersion 2) of a container with nothing in it, as GTM's Export
    Container writes one (account and container ids 0: GTM's import takes the receiving
    container's)."""
    return {
        "exportFormatVersion": 2,
        "exportTime": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "containerVersion": {
            "accountId": "0",
            "containerId": "0",
            "containerVersionId": "0",
            "container": {"accountId": "0", "containerId": "0", "usageContext": [usage_context]},
        },
    }


def write_export(goals_path: Path, out: Path, templates: Path | None = None) -> int:
    """Write ``out``: a container export holding exactly the GTM tags, triggers, variables and
    built-in variables the goals of ``goals_path`` make, each with goalkeeper's marker, for GTM's
    Admin > Import Container (Merge). Reads no target. Returns how many entities it holds."""
    project = open_project(goals_path, templates)
    backend = ContainerFileBackend(out)
    backend._document = blank_export()  # a new file: never read from disk
    project.backends = [backend]
    # force: the safety share guards entities a container already has; a new file has none.
    plan = project.plan(Selection.of((), (), ("gtm",)), force=True)
    backend.apply(plan.changes)
    return len(plan.changes)
