"""All tables, registered: import ``metadata`` from here to see the whole schema."""

from sqlmodel import SQLModel

from . import clients, consultations, feedback, rehab, scheduling, statistics, tables

metadata = SQLModel.metadata

__all__ = ["clients", "consultations", "feedback", "metadata", "rehab", "scheduling", "statistics", "tables"]
