"""Use cases: functions that take a unit of work. No HTTP here."""
