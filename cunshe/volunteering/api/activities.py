"""API of the activities part under /api/v1/volunteering/."""

from ninja import Router

router = Router(tags=["volunteering"])
