"""Writes of the care app, one module per part: identification (candidates, kin links),
profiles (guardian, contacts, carers, risk), visits (and the visit plan), terminals (register),
ingest (terminal messages), alerts (ladder, acknowledgement, closing), needs (linkage)."""
