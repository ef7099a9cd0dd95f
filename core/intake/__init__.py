"""The public's way in: service descriptions, the online self-assessment and the
contact requests it sends to the county's social guidance (issue 23, items 1-3)."""
