"""Scoped reads of the service desk, one module per part; every function takes a Jurisdiction."""
