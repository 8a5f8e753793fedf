"""Demo data of volunteering and points (issue 6): filled in by the demo part."""

from __future__ import annotations


def seed_volunteering(*, seed: int = 1) -> dict[str, int]:
    """Volunteers, activities with attendance, needs with matches, points and redemptions."""
    return {}
