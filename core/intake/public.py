"""What other features may use of this one: the only module they import from it."""

from sotesilta.core.intake.service.contact_requests import BookingPrefill, booking_prefill, mark_booked
from sotesilta.core.intake.service.counts import IntakeCounts, intake_counts

__all__ = ["BookingPrefill", "IntakeCounts", "booking_prefill", "intake_counts", "mark_booked"]
