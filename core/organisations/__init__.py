"""The organisation model: counties, municipalities, stations and workers (written from the
plugins' registrations), and who may touch a station or a worker."""
