"""Self-governance API: bodies (being built)."""

from ninja import Router

router = Router(tags=["selfgov"])
