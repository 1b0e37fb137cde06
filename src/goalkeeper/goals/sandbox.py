"""Where goal-kind templates run: Jinja2's immutable sandbox, with a time and a size budget.

A template cannot change what it is given (``ImmutableSandboxedEnvironment``: no ``append``,
``update`` or ``pop`` on lists and dicts), so one goal's template never alters another goal's
expansion through the shared ``defaults``. It cannot reach other files: ``include``, ``import``
and ``extends`` are refused when it is compiled. And it cannot run away: every render has
``RENDER_SECONDS`` and ``RENDER_BYTES``; loops over ``range``, function calls and output are
checked against them, and ``*``/``**`` that would build huge values are refused before they do.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import StrictUndefined, Template, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range

from goalkeeper.core.errors import GoalkeeperError, Problem

RENDER_SECONDS = 1.0  # per goal; goalkeeper's own kinds take about a millisecond
RENDER_BYTES = 2**20  # per goal; goalkeeper's own kinds write about 2 KB
_LARGEST_OPERAND = 10**6  # ``"x" * n``, ``n ** m``: sizes beyond this are refused before computing
_LOADS_OTHER_FILES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)

_budget = threading.local()


class TemplateBudgetError(SecurityError):
    """A template used more time or output than a render may."""


def _tick() -> None:
    deadline = getattr(_budget, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise TemplateBudgetError(f"it ran longer than {RENDER_SECONDS:g} s (an endless or enormous loop?)")


def _counted(items: range) -> Iterator[int]:
    for count, item in enumerate(items):
        if count % 1024 == 0:
            _tick()
        yield item


def budget_range(*args: int) -> Iterator[int]:
    """The sandbox's ``range`` (at most 100,000 items), checking the time budget as it goes."""
    return _counted(safe_range(*args))


def _too_big(value: Any) -> bool:
    if isinstance(value, (str, list, tuple)):
        return len(value) > _LARGEST_OPERAND
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > _LARGEST_OPERAND


class BudgetedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with the budget of the render in progress checked on every call and
    on the operators that can build huge values."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _tick()
        sized = (isinstance(left, (str, list, tuple)), isinstance(right, (str, list, tuple)))
        if operator == "*" and any(sized) and _too_big(right if sized[0] else left):
            raise TemplateBudgetError("it multiplies a text or list too many times")
        if operator == "**" and (_too_big(right) or (abs(right) > 64 and abs(left) > 1)):
            raise TemplateBudgetError("it raises a number to too large a power")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _tick()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, (str, list)) and any(_too_big(a) for a in (*args, *kwargs.values())):
            raise TemplateBudgetError("it asks a text or list method for a huge size")
        return super().call(__context, __obj, *args, **kwargs)


def environment() -> BudgetedSandbox:
    """The environment kinds are rendered in. GTM writes variable references as {{Name}}: Jinja2's
    expression delimiters are << >> instead, so templates carry GTM references as plain text."""
    env = BudgetedSandbox(
        variable_start_string="<<",
        variable_end_string=">>",
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["regex_escape"] = re.escape
    env.globals["range"] = budget_range
    env.globals.pop("lipsum", None)  # text of any length on request: nothing a kind needs
    return env


def loads_other_files(tree: nodes.Template) -> tuple[str, int] | None:
    """The first ``include``, ``import`` or ``extends`` in a parsed template (its tag and line), or None."""
    for node in tree.find_all(_LOADS_OTHER_FILES):
        tag = {nodes.Include: "include", nodes.Extends: "extends"}.get(type(node), "import")
        return tag, node.lineno
    return None


def compile_kind(env: BudgetedSandbox, source: str, path: str) -> Template:
    """A kind's template compiled in ``env``, parsed once. Raises GoalkeeperError at the line of an
    ``include``, ``import`` or ``extends``, and Jinja2's TemplateSyntaxError for a template it
    cannot read."""
    tree = env.parse(source)
    found = loads_other_files(tree)
    if found:
        raise GoalkeeperError(
            Problem(
                f"goal-kind templates may not use {{% {found[0]} %}}: each kind is one self-contained file "
                "(shared pieces go in goalkeeper's template helpers)",
                path,
                found[1],
            )
        )
    code = env.compile(tree)
    # What Environment.from_string does with the code it compiles.
    return env.template_class.from_code(env, code, env.make_globals(None))


def render_within_budget(template: Template, context: Mapping[str, Any]) -> str:
    """``template`` rendered with ``context``; raises TemplateBudgetError (a SecurityError) when it
    takes longer than RENDER_SECONDS or writes more than RENDER_BYTES."""
    _budget.deadline = time.monotonic() + RENDER_SECONDS
    try:
        pieces, size = [], 0
        for piece in template.generate(dict(context)):
            size += len(piece)
            if size > RENDER_BYTES:
                raise TemplateBudgetError(f"it wrote more than {RENDER_BYTES // 1024} KB for one goal")
            _tick()
            pieces.append(piece)
        return "".join(pieces)
    except RecursionError:
        raise TemplateBudgetError("it calls itself without end (a macro that recurses?)") from None
    finally:
        _budget.deadline = None
