"""The outbox's use cases: enqueue (in the caller's transaction), deliver (the worker),
and the county admins' list and retry."""
