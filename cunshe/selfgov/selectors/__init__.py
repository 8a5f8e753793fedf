"""Scoped reads of self-governance, one module per part."""
