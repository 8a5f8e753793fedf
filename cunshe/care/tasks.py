"""Registers the care app's periodic jobs with the scheduler (autodiscovered)."""

from cunshe.care.jobs import alerts, checkins, identification  # noqa: F401
