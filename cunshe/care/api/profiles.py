"""Care API: profiles (being built)."""

from ninja import Router

router = Router(tags=["care"])
