"""Self-governance API: matters (being built)."""

from ninja import Router

router = Router(tags=["selfgov"])
