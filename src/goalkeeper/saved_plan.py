"""Saved plans: ``goalkeeper plan --out plan.json`` and ``goalkeeper apply plan.json``.

A saved plan is the JSON plan (see ``goalkeeper.render.json``) wrapped with what it was based on:

- ``goal_file``: the goal file's path as given (apply runs from the same directory, as CI does);
- ``selection`` and ``force``: the options it was made with, so apply plans exactly the same way;
- ``basis``: digests of the goal file and of the goal-kind templates, and each target's
  ``Backend.fingerprint()`` (a file's sha256; for live targets whatever the backend returns, e.g.
  workspace and entity fingerprints, container version, a digest of the GA4 state).

Apply refuses the plan (``StalePlanError``, exit 3) when any of these moved, or when the plan it
recomputes from the targets differs from the saved one (checksum), so what runs is what was reviewed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goalkeeper import __version__
from goalkeeper.core.errors import GoalkeeperError, Problem, StalePlanError
from goalkeeper.core.model import canonical_json
from goalkeeper.core.selection import Selection
from goalkeeper.files import MAX_JSON_FILE, parse_json, read_input, write_atomically

KIND = "goalkeeper-saved-plan"
SAVED_FORMAT = 1


def digest_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def digest_file(path: Path) -> str:
    try:
        return digest_bytes(Path(path).read_bytes())
    except OSError as error:
        raise GoalkeeperError(Problem(f"cannot read the file: {error.strerror}", str(path))) from None


def digest_kinds(kinds: Mapping[str, Any]) -> str:
    """Every goal-kind template the goals were expanded with (built-in and the project's own)."""
    return digest_bytes(canonical_json(sorted([name, kind.source] for name, kind in kinds.items())).encode())


@dataclass(frozen=True)
class SavedPlan:
    goal_file: str
    templates: str | None
    selection: Selection
    force: bool
    basis: Mapping[str, Any]
    plan: Mapping[str, Any]  # the JSON plan, as render.json writes it

    @property
    def checksum(self) -> str:
        checksum: str = self.plan["checksum"]  # render.json writes it as a hex string
        return checksum

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "saved_format": SAVED_FORMAT,
            "goalkeeper_version": __version__,
            "goal_file": self.goal_file,
            "templates": self.templates,
            "selection": self.selection.to_json(),
            "force": self.force,
            "basis": dict(self.basis),
            "plan": dict(self.plan),
        }


def write_saved_plan(path: Path, saved: SavedPlan) -> None:
    """Write the saved plan whole or not at all (a reviewer never downloads half a plan)."""
    write_atomically(Path(path), json.dumps(saved.to_json(), indent=2, ensure_ascii=False) + "\n", "saved plan")


def _text(path: Path) -> str | None:
    try:
        return read_input(Path(path), "saved plan", MAX_JSON_FILE).decode("utf-8")
    except (GoalkeeperError, UnicodeDecodeError):
        return None  # not a saved plan (or not one goalkeeper can read): the caller says which


def _document(path: Path) -> Any:
    text = _text(path)
    try:
        return parse_json(text.encode("utf-8"), "saved plan", Path(path)) if text is not None else None
    except GoalkeeperError:
        return None


def is_saved_plan(path: Path) -> bool:
    """Whether ``path`` holds a saved plan rather than a goal file: told by content, not name (a
    damaged one too, e.g. a truncated download, so that it is reported as a plan, not as YAML)."""
    document = _document(path)
    if isinstance(document, dict):
        return document.get("kind") == KIND
    text = _text(path) or ""
    return text.lstrip().startswith("{") and f'"kind": "{KIND}"' in text


def _damaged(path: Path, what: str) -> GoalkeeperError:
    return GoalkeeperError(
        Problem(
            f"this saved plan is damaged ({what}); nothing was applied: run `goalkeeper plan --out` again", str(path)
        )
    )


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def read_saved_plan(path: Path) -> SavedPlan:
    if not Path(path).exists():
        raise GoalkeeperError(
            Problem("no such file; give the path `goalkeeper plan --out` wrote the plan to", str(path))
        )
    document = _document(path)
    if document is None and is_saved_plan(path):
        raise _damaged(path, "not valid JSON, perhaps cut short")
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise GoalkeeperError(Problem("not a plan saved by `goalkeeper plan --out`", str(path)))
    if document.get("saved_format") != SAVED_FORMAT:
        raise GoalkeeperError(
            Problem(
                f"saved with another plan format ({document.get('saved_format')!r}, goalkeeper "
                f"{document.get('goalkeeper_version')}); plan again with this goalkeeper",
                str(path),
            )
        )
    selection, plan, basis = document.get("selection", {}), document.get("plan"), document.get("basis")
    if not isinstance(document.get("goal_file"), str) or not document["goal_file"]:
        raise _damaged(path, "no goal_file")
    if not isinstance(document.get("templates"), (str, type(None))):
        raise _damaged(path, "templates is not a path")
    if not isinstance(selection, dict) or not all(
        _strings(selection.get(k, [])) for k in ("goals", "categories", "targets")
    ):
        raise _damaged(path, "selection is not lists of names")
    if not isinstance(plan, dict) or not isinstance(plan.get("checksum"), str):
        raise _damaged(path, "no plan with a checksum")
    if not isinstance(basis, dict) or not isinstance(basis.get("targets", {}), dict):
        raise _damaged(path, "no basis")
    return SavedPlan(
        goal_file=document["goal_file"],
        templates=document.get("templates"),
        selection=Selection.from_json(document.get("selection")),
        force=bool(document.get("force")),
        basis=basis,
        plan=document["plan"],
    )


def moved(saved: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """What moved between the basis a plan was saved with and the current one, in words."""
    reasons = []
    if saved.get("goal_file") != current.get("goal_file"):
        reasons.append("the goal file changed")
    if saved.get("templates") != current.get("templates"):
        reasons.append("the goal-kind templates changed")
    saved_targets, current_targets = saved.get("targets", {}), current.get("targets", {})
    for target in sorted(set(saved_targets) | set(current_targets)):
        if canonical_json(saved_targets.get(target)) != canonical_json(current_targets.get(target)):
            reasons.append(f"the {target.upper()} target changed (someone or something edited it)")
    return reasons


def stale(path: Path, reasons: list[str]) -> StalePlanError:
    return StalePlanError(
        [Problem(f"this saved plan is out of date: {reason}", str(path)) for reason in reasons]
        + [Problem("nothing was applied; run `goalkeeper plan --out` again, review it, and apply the new plan")]
    )
