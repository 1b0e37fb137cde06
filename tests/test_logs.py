"""goalkeeper's log: off unless asked for, one logfmt line per record on stderr."""

from __future__ import annotations

import logging

import pytest

from goalkeeper import logs


@pytest.mark.parametrize(
    ("debug", "environ", "level"),
    [
        (False, {}, None),
        (True, {}, logging.DEBUG),
        (False, {"GOALKEEPER_LOG": "debug"}, logging.DEBUG),
        (False, {"GOALKEEPER_LOG": " INFO "}, logging.INFO),
        (True, {"GOALKEEPER_LOG": "error"}, logging.DEBUG),  # --debug wins
        (False, {"GOALKEEPER_LOG": ""}, None),
    ],
)
def test_the_level_comes_from_debug_or_the_environment(debug, environ, level):
    assert logs.level_from(debug, environ) == level


def test_an_unknown_level_names_the_ones_accepted():
    with pytest.raises(ValueError, match="GOALKEEPER_LOG='loud': use one of debug, info, warning, error"):
        logs.level_from(False, {"GOALKEEPER_LOG": "loud"})


def test_a_record_is_one_logfmt_line_with_its_fields():
    record = logging.LogRecord("goalkeeper.api", logging.DEBUG, __file__, 1, "request", None, None)
    record.__dict__.update(method="GET", path="/tagmanager/v2/accounts/1", status=200, failure="lost it")
    line = logs.LogfmtFormatter().format(record)
    assert line.startswith("time=")
    assert line.endswith(
        'level=debug logger=goalkeeper.api msg=request method=GET path=/tagmanager/v2/accounts/1 status=200 failure="lost it"'
    )


def test_configure_twice_keeps_one_handler():
    logs.configure(logging.DEBUG)
    logs.configure(None)
    logger = logging.getLogger("goalkeeper")
    assert len([h for h in logger.handlers if h.name == "goalkeeper"]) == 1
    assert logger.level == logging.WARNING
