"""The one exception type for problems a user can cause and fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and where: a file and line when the problem sits in a file."""

    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message


class GoalkeeperError(Exception):
    """A user-fixable error. Carries every problem found, so all of them can be reported at once.

    ``exit_code`` lets the CLI map special cases (a stale saved plan, a refused plan) to their own
    documented exit status; everything else exits with 1.
    """

    exit_code = 1

    def __init__(self, problems: str | Problem | list[Problem]):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class StalePlanError(GoalkeeperError):
    """A saved plan no longer matches the goal files or the targets it was made from.

    Exit status 3: the plan was reviewed against a world that has since moved; plan again.
    """

    exit_code = 3


class UnsafePlanError(GoalkeeperError):
    """A plan the goal file's ``safety:`` settings refuse (too large a share changed at once).

    Exit status 4: review the plan, then run again with ``--force`` or adjust ``safety:``.
    """

    exit_code = 4
