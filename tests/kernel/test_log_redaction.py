"""The access log keeps no secret that a path carries."""

from __future__ import annotations

import logging

import pytest

from sotesilta.core.kernel.logging import RedactSecretPaths, redact_path


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/feeds/AbC-123_x.ics", "/feeds/[redacted]"),
        ("/feeds/AbC-123_x.ics?x=1", "/feeds/[redacted]?x=1"),
        ("/c/ref.mac", "/c/[redacted]"),
        ("/feedback/tok", "/feedback/[redacted]"),
        ("/api/v1/me/feeds/3", "/api/v1/me/feeds/3"),
        ("/bookings/12", "/bookings/12"),
    ],
)
def test_a_secret_in_a_path_is_redacted(path, logged):
    assert redact_path(path) == logged


def test_the_access_records_path_is_redacted_before_formatting():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "GET", "/feeds/S3CRET.ics", "1.1", 200),
        None,
    )
    assert RedactSecretPaths().filter(record)
    assert "S3CRET" not in record.getMessage() and "/feeds/[redacted]" in record.getMessage()
