"""Care API: stats (being built)."""

from ninja import Router

router = Router(tags=["care"])
