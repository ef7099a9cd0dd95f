"""A small per-process cache whose entries expire (e.g. who a signed-in user is)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
#: more entries than this empty the cache: it stays small whatever the traffic
MAX_ENTRIES = 10_000


class ExpiringCache(Generic[K, V]):
    """Values kept for ``ttl``, shared by the threads of one process."""

    def __init__(self, ttl: timedelta = timedelta(seconds=15)) -> None:
        self.ttl = ttl
        self._entries: dict[K, tuple[datetime, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K, now: datetime) -> V | None:
        entry = self._entries.get(key)
        return entry[1] if entry is not None and entry[0] > now else None

    def put(self, key: K, value: V, now: datetime) -> None:
        with self._lock:
            if len(self._entries) > MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (now + self.ttl, value)

    def forget(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)
