"""Self-governance API: disclosure (being built)."""

from ninja import Router

router = Router(tags=["selfgov"])
