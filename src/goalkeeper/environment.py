"""Settings read from environment variables: how long goalkeeper waits for what."""

from __future__ import annotations

import math
import os

from goalkeeper.core.errors import GoalkeeperError


def seconds_setting(variable: str, default: float) -> float:
    """A duration in seconds from the environment variable ``variable`` (``default`` when unset
    or empty). Raises GoalkeeperError naming the variable when it is not a finite number >= 0."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not (seconds >= 0 and math.isfinite(seconds)):
        raise GoalkeeperError(f"{variable}={text!r} is not a number of seconds (0 or more); fix or unset it")
    return seconds
