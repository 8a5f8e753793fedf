"""API of the points part under /api/v1/volunteering/."""

from ninja import Router

router = Router(tags=["volunteering"])
