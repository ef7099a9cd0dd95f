"""All tables, registered: import ``metadata`` from here to see the whole schema."""

from sqlmodel import SQLModel

from . import clients, consultations, rehab, scheduling, tables

metadata = SQLModel.metadata

__all__ = ["clients", "consultations", "metadata", "rehab", "scheduling", "tables"]
