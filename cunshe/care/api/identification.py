"""Care API: identification (being built)."""

from ninja import Router

router = Router(tags=["care"])
