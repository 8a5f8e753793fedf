"""Registers volunteering's periodic jobs with the scheduler (autodiscovered)."""

from cunshe.volunteering.jobs import activities, points  # noqa: F401
