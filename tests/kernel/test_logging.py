"""Structured logs: JSON lines in production, with the event's fields."""

from __future__ import annotations

import json
import logging

from sotesilta.core.kernel.logging import JsonFormatter, TextFormatter


def _record(**extra):  # type: ignore[no-untyped-def]
    record = logging.LogRecord("sotesilta.security", logging.WARNING, __file__, 1, "login failed", None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_json_lines_carry_level_logger_event_and_extras():
    line = JsonFormatter().format(_record(user_id=7, remote_addr="127.0.0.1"))
    entry = json.loads(line)
    assert entry["level"] == "warning" and entry["logger"] == "sotesilta.security"
    assert entry["event"] == "login failed" and entry["user_id"] == 7 and entry["remote_addr"] == "127.0.0.1"
    assert entry["at"].endswith("+00:00")


def test_text_lines_are_readable():
    assert (
        TextFormatter().format(_record(user_id=7)) == "WARNING sotesilta.security: login failed [user_id=7]"
    )


def test_production_logs_are_json(capfd):
    from sotesilta.core.kernel.logging import configure_logging

    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    configure_logging(json_lines=True)
    try:
        logging.getLogger("sotesilta.test").info("hello", extra={"n": 1})
        entry = json.loads(capfd.readouterr().err.strip().splitlines()[-1])
        assert entry["event"] == "hello" and entry["n"] == 1
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
