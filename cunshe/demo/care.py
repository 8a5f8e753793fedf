"""The care demo (三留守): being built. Returns what was added; a second run adds nothing."""

from __future__ import annotations


def seed_care(*, seed: int = 1) -> dict[str, int]:
    return {}
