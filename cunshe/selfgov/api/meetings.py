"""Self-governance API: meetings (being built)."""

from ninja import Router

router = Router(tags=["selfgov"])
