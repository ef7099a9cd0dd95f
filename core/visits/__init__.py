"""Visits: the outcome of a booked or walk-in visit, its onward referrals, and its corrections
with their history."""
