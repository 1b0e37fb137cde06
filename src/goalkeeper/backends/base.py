"""The backend interface: read a target's State, apply a plan's changes to it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from goalkeeper.core.diff import Change
from goalkeeper.core.state import State

Progress = Callable[[Change], None]


class Backend(Protocol):
    """One target: a GTM container (export file or live workspace) or a GA4 property (snapshot
    file or live property).

    ``target`` is ``"gtm"`` or ``"ga4"``. ``read`` returns every entity in the target, managed or
    not, each carrying in ``handle`` whatever the backend needs to write it back (ids,
    fingerprints). ``apply`` carries out changes in the order given, only for this target, and
    calls ``progress`` after each one. ``describe`` names the target for plans and logs.
    ``fingerprint`` is a digest of what ``read`` saw, for saved plans to detect a moved target:
    any JSON-serialisable value (a file backend returns its sha256; a live GTM backend may return
    the workspace fingerprint, the entity fingerprints and the container version; a live GA4
    backend a digest of the property's state). ``goalkeeper apply plan.json`` compares it with the
    saved one and refuses the plan (exit 3) when they differ.

    Optional: ``problems_with(desired)``, the problems a target sees in the desired state before
    anything is planned (a server container cannot take web triggers).

    Optional: ``publish(name, notes)``, called after ``apply`` when the user passes ``--publish`` (a live GTM
    workspace becoming the new live container version). Backends without it make ``--publish``
    an error.
    """

    target: str

    def describe(self) -> str: ...

    def read(self) -> State: ...

    def fingerprint(self) -> Any: ...

    def apply(self, changes: Sequence[Change], progress: Progress | None = None) -> None: ...
