"""Writes of the service desk, one module per part: applications (and materials), appointments,
ratings, problem reports, the catalogue. Each write is atomic, checks jurisdiction and
permission, and writes one audit event."""
