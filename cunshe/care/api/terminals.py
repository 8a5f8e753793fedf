"""Care API: terminals (being built)."""

from ninja import Router

router = Router(tags=["care"])
