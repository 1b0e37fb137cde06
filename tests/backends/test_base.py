"""The backend base class: every optional hook has a documented default."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from goalkeeper.backends.base import NO_VERSIONS, Backend, Progress
from goalkeeper.core.changes import Change
from goalkeeper.core.errors import GoalkeeperError
from goalkeeper.core.state import State


class Minimal(Backend):
    """A backend with only the four required methods."""

    target = "gtm"

    def describe(self) -> str:
        return "minimal"

    def read(self) -> State:
        return State()

    def fingerprint(self) -> str:
        return ""

    def apply(self, changes: Sequence[Change], progress: Progress | None = None) -> None:
        pass


def test_a_backend_without_the_required_methods_cannot_be_made():
    class Incomplete(Backend):
        target = "gtm"

    with pytest.raises(TypeError):
        Incomplete()  # type: ignore[abstract]


def test_the_optional_hooks_default_to_nothing_to_say():
    backend = Minimal()
    assert backend.problems_with(State()) == []
    assert backend.enhanced_measurement() is None
    assert backend.seconds_left(10) is None
    assert backend.publishes is False


def test_publishing_without_versions_is_a_clear_error():
    with pytest.raises(GoalkeeperError) as error:
        Minimal().publish("v1", "notes")
    assert str(error.value) == NO_VERSIONS
