"""Feedback: the client's form behind a link from the instructions, and the yearly survey of
health staff."""
