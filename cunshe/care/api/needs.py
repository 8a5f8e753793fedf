"""Care API: needs (being built)."""

from ninja import Router

router = Router(tags=["care"])
