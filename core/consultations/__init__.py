"""Consultations of an instructor by health staff (anonymous, or named under the client's consent)
and SHL notifications."""
