"""All tables, registered: import ``metadata`` from here to see the whole schema."""

from sqlmodel import SQLModel

from . import scheduling, tables

metadata = SQLModel.metadata

__all__ = ["metadata", "scheduling", "tables"]
