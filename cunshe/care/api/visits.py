"""Care API: visits (being built)."""

from ninja import Router

router = Router(tags=["care"])
