"""API: applications."""

from ninja import Router

router = Router()
