"""Scheduling, as FHIR's Scheduling module has it (Schedule, Slot, Appointment): session rules,
the sessions and slots they generate, absences and busy times, holds, bookings, walk-in queues,
and the client's instructions and link. One feature because they share their tables: a slot is
taken by a booking row, a session holds its walk-in places."""
