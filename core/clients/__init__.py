"""Client records: the minimum about a client, sealed at rest, found by a keyed hash of the
identity code."""
