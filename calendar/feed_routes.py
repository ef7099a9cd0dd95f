"""API routes for feed subscriptions, feeds and client invitations. Being written."""

from __future__ import annotations

ROUTES: list[object] = []
