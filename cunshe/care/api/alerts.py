"""Care API: alerts (being built)."""

from ninja import Router

router = Router(tags=["care"])
