"""A goal file's examples, checked: each goal's `examples` (what must and must not count) played
through the triggers, tags and GA4 rules goalkeeper generates for it (goalkeeper.core.evaluate).

No target is read: the examples prove the goal file's own tracking, before anything is published.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from goalkeeper.core.evaluate import Container, Example, Verdict, evaluate
from goalkeeper.goals.expand import expand
from goalkeeper.goals.kinds import Kind
from goalkeeper.goals.model import GoalFile


@dataclass(frozen=True)
class ExampleResult:
    """One example's outcome: ``passed`` when the verdict is what the goal file expects."""

    file: str
    goal: str
    line: int | None
    counts: bool  # what the goal file expects
    example: str  # the example in words
    verdict: Verdict

    @property
    def passed(self) -> bool:
        return self.verdict.counts is self.counts

    @property
    def expectation(self) -> str:
        return "counts" if self.counts else "does not count"

    @property
    def outcome(self) -> str:
        """What happened, in words: "counted", "did not count" or "undecided"."""
        return {True: "counted", False: "did not count", None: "undecided"}[self.verdict.counts]


def check_examples(goal_file: GoalFile, kinds: Mapping[str, Kind], goals: Iterable[str] = ()) -> list[ExampleResult]:
    """Every example of the goal file's goals (only ``goals``, when named), in file order."""
    wanted = set(goals)
    container = Container.of(expand(goal_file, kinds))
    results = []
    for goal in goal_file.goals:
        if wanted and goal.name not in wanted:
            continue
        for item in goal.examples:
            example = Example.from_spec(item.spec)
            verdict = evaluate(example, container, goal.name)
            results.append(
                ExampleResult(goal_file.path, goal.name, item.line, item.counts, example.describe(), verdict)
            )
    return results


def untested(goal_file: GoalFile, kinds: Mapping[str, Kind]) -> list[str]:
    """Goals that send an event but give no example."""
    return [g.name for g in goal_file.goals if not g.examples and kinds[g.kind].sends_events]


def summary(results: Sequence[ExampleResult]) -> str:
    """One line: ``12 examples: 11 passed, 1 failed.``"""
    failed = sum(not r.passed for r in results)
    noun = "example" if len(results) == 1 else "examples"
    return f"{len(results)} {noun}: {len(results) - failed} passed, {failed} failed."
