"""Pages: consultations (``consultations``) and SHL §35 notifications (``shl``)."""
