"""Periodic jobs of self-governance (registered through `cunshe.selfgov.tasks`)."""
