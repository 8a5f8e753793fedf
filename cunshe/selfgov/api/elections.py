"""Self-governance API: elections (being built)."""

from ninja import Router

router = Router(tags=["selfgov"])
