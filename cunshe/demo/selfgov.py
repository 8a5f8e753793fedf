"""The self-governance demo: being built. Returns what was added; a second run adds nothing."""

from __future__ import annotations


def seed_selfgov(*, seed: int = 1) -> dict[str, int]:
    return {}
