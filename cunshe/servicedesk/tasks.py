"""Registers the service desk's periodic jobs with the scheduler (autodiscovered)."""

from cunshe.servicedesk.jobs import appointments, escalation, ratings  # noqa: F401
