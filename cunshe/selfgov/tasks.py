"""Registers self-governance's periodic jobs with the scheduler (autodiscovered)."""

from cunshe.selfgov.jobs import disclosure  # noqa: F401
