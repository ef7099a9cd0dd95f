"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.organisations.domain import BookingMode, Language, WorkerTitle
from sotesilta.core.organisations.service import (
    MunicipalityView,
    StationView,
    WorkerView,
    list_municipalities,
    list_stations,
    list_workers,
    may_manage_worker,
    own_worker_id,
    station_in_scope,
    station_names,
    worker_in_scope,
)
from sotesilta.core.organisations.tables import Municipality, Station, Worker

__all__ = [
    "BookingMode",
    "Language",
    "Municipality",
    "MunicipalityView",
    "Station",
    "StationView",
    "Worker",
    "WorkerTitle",
    "WorkerView",
    "list_municipalities",
    "list_stations",
    "list_workers",
    "may_manage_worker",
    "own_worker_id",
    "station_in_scope",
    "station_names",
    "worker_in_scope",
]
