"""Alembic migration environment; ``sotesilta db upgrade`` drives it."""
