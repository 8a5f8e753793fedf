"""Writes of self-governance, one module per part (bodies, meetings, matters, disclosure,
elections)."""
