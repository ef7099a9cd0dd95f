"""The instructor's day and week (pages only): sessions, bookings, walk-in queues and contacts
side by side."""
