"""goalkeeper's log: stdlib logging to stderr, one ``key=value`` line per record (logfmt).

Off by default (warnings only). ``goalkeeper --debug`` or ``GOALKEEPER_LOG=debug`` (also ``info``,
``warning``, ``error``) turns it on; at debug level every API request is logged by
``goalkeeper.backends.calls`` with its method, path, status, duration and retries. Records carry
their fields as attributes too (``record.method``), for handlers of goalkeeper's users.

Nothing logged may hold a credential: requests are logged by method and path, never with their
query, headers or bodies, and errors by their type alone (an error's text may quote a response).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any

ROOT = "goalkeeper"
LEVEL_VARIABLE = "GOALKEEPER_LOG"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
# What a LogRecord carries by itself: everything else on a record is a field a caller passed in ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_BARE = re.compile(r"^[\w.:/@+-]+$")


def _value(value: Any) -> str:
    text = str(value)
    return text if _BARE.match(text) else '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class LogfmtFormatter(logging.Formatter):
    """``time=… level=debug logger=goalkeeper.api msg=request method=GET path=… status=200 …``"""

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **{k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")},
        }
        return " ".join(f"{key}={_value(value)}" for key, value in fields.items())


def level_from(debug: bool, environ: dict[str, str] | None = None) -> int | None:
    """The log level asked for: DEBUG with ``--debug``, else ``GOALKEEPER_LOG``'s, else None
    (only warnings). Raises ValueError naming the accepted values for an unknown level."""
    if debug:
        return logging.DEBUG
    wanted = (environ if environ is not None else os.environ).get(LEVEL_VARIABLE, "").strip().lower()
    if not wanted:
        return None
    if wanted not in LEVELS:
        raise ValueError(f"{LEVEL_VARIABLE}={wanted!r}: use one of {', '.join(LEVELS)}")
    return LEVELS[wanted]


def configure(level: int | None) -> None:
    """Send goalkeeper's records at ``level`` and above to stderr (None: warnings and above).
    Called once per command; calling again replaces the handler instead of adding a second one."""
    logger = logging.getLogger(ROOT)
    for handler in [h for h in logger.handlers if getattr(h, "name", None) == ROOT]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)  # this command's stderr (tests swap it per run)
    handler.set_name(ROOT)
    handler.setFormatter(LogfmtFormatter())
    logger.addHandler(handler)
    logger.setLevel(level if level is not None else logging.WARNING)
