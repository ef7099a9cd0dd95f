"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.rehab.domain import ContactStatus, EndReason, MeasurementPoint, change_of_mean
from sotesilta.core.rehab.service.contacts import Appointment, worker_schedule
from sotesilta.core.rehab.service.news import due_measurement_count
from sotesilta.core.rehab.service.outcomes import answers_by_point
from sotesilta.core.rehab.tables import Contact, IntensivePeriod, PeriodFeedback

__all__ = [
    "Appointment",
    "Contact",
    "ContactStatus",
    "EndReason",
    "IntensivePeriod",
    "MeasurementPoint",
    "PeriodFeedback",
    "answers_by_point",
    "change_of_mean",
    "due_measurement_count",
    "worker_schedule",
]
