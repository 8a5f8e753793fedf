"""Registers volunteering's periodic jobs with the scheduler (autodiscovered)."""

from cunshe.volunteering.jobs import points  # noqa: F401
