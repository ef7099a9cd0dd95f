"""Messages: the transactional outbox, its worker and channels, and the admins' view."""
