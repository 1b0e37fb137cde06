"""The backend base class: read a target's State, apply a plan's changes to it.

Every hook a backend may offer is declared here with a documented default, so the workflow
(goalkeeper.project) calls them without asking which backend it has, as octoDNS's BaseProvider
does for its providers.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from goalkeeper.backends.ratelimit import Waiting
from goalkeeper.core.changes import Change
from goalkeeper.core.errors import GoalkeeperError, Problem
from goalkeeper.core.preflight import TargetFacts
from goalkeeper.core.state import State

Progress = Callable[[Change], None]
NO_VERSIONS = (
    "--publish needs a live GTM target (target.gtm.account and container); a container export file has no "
    "versions to publish"
)


class Backend(ABC):
    """One target: a GTM container (export file or live workspace) or a GA4 property (snapshot
    file or live property)."""

    #: ``"gtm"`` or ``"ga4"``: the system this backend writes.
    target: ClassVar[str]
    #: Whether ``publish`` can make the applied changes live (a live GTM workspace can).
    publishes: ClassVar[bool] = False

    @abstractmethod
    def describe(self) -> str:
        """The target, named for plans and logs (``GTM container export goals/x.json``)."""

    @abstractmethod
    def read(self) -> State:
        """Every entity in the target, managed or not, each carrying in ``handle`` whatever the
        backend needs to write it back (ids, fingerprints). Raises GoalkeeperError when the target
        cannot be read."""

    @abstractmethod
    def fingerprint(self) -> Any:
        """A JSON-serialisable digest of what ``read`` saw, for saved plans to notice a moved
        target: a file's sha256, a live workspace's fingerprints and container version, a digest of a
        property's objects. ``goalkeeper apply plan.json`` refuses the plan (exit 3) when it differs."""

    @abstractmethod
    def apply(self, changes: Sequence[Change], progress: Progress | None = None) -> None:
        """Carry out ``changes`` of this target in the order given, calling ``progress`` after
        each one. Raises GoalkeeperError when the target refuses or cannot be reached."""

    def lock(self) -> contextlib.AbstractContextManager[object]:
        """A context that keeps other goalkeeper runs from writing this target while one reads,
        plans and writes it (a file target's lock file). Re-entrant. Raises GoalkeeperError when
        the lock cannot be had. Default: nothing to lock (a live target: GTM's fingerprints and
        re-reads before writing guard it instead)."""
        return contextlib.nullcontext()

    def local_files(self) -> list[Path]:
        """The files on this machine the target reads and writes (a container export), so nothing
        else overwrites them (``plan --out``). Default: none (a live target)."""
        return []

    def check_writable(self) -> None:
        """Raise GoalkeeperError when ``apply`` could not write this target (a read-only file, a
        file changed since it was read), before anything is written to any target. Default: nothing
        to check beforehand."""
        return None

    def problems_with(self, desired: State) -> list[Problem]:
        """What this target alone sees wrong in the desired state before anything is planned.
        Rules that hold for every target of a system belong in the core instead
        (goalkeeper.core.preflight), fed by ``facts``. Default: nothing."""
        return []

    def facts(self) -> TargetFacts:
        """What the plan's preflight needs to know about the target beyond its entities, after
        ``read``: a GTM container's usage context; a GA4 property's web data stream, the key events
        GA4 does not count towards its limits, its service level (see
        goalkeeper.core.preflight.TargetFacts). Default: only the target's name; the rest unknown,
        and unknown facts refuse nothing."""
        return TargetFacts(described=self.describe())

    def enhanced_measurement(self) -> Mapping[str, Any] | None:
        """The EnhancedMeasurementSettings (Admin API JSON, with its ``name``) of the web stream
        goalkeeper's tags send to, for the double-count warnings. Default: unknown (None)."""
        return None

    def seconds_left(self, changes: int) -> float | None:
        """About how long writing ``changes`` more changes takes where a quota paces the writes (a
        live GTM workspace: 25 requests per 100 s). Default: None, nothing paces them."""
        return None

    def watch_waits(self, waiting: Waiting | None) -> None:
        """Call ``waiting(seconds, why)`` before each pause the backend makes (the GTM quota's
        pacing, a retry's backoff), so that progress displays can count it down; None stops.
        Default: the backend never pauses, nothing to watch."""
        return None

    def next_steps(self, changes: Sequence[Change], published: bool) -> list[str]:
        """What the user does next after ``apply`` wrote ``changes`` to this target (``published``:
        ``--publish`` made a version live), as sentences: where the changes are now and how they
        reach the site. Default: nothing to add."""
        return []

    def publish(self, name: str, notes: str) -> Mapping[str, Any] | None:
        """Make what ``apply`` wrote live, as a version called ``name`` with ``notes``; the new
        version (API JSON), or None when there was nothing to publish. Only backends with
        ``publishes`` set offer it; the default raises GoalkeeperError."""
        raise GoalkeeperError(NO_VERSIONS)
