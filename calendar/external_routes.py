"""API routes for linked external calendars (busy times in). Being written."""

from __future__ import annotations

ROUTES: list[object] = []
