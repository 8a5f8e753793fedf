"""The care API under /api/v1/care/: one Router per part, assembled here."""

from ninja import Router

from cunshe.care.api import alerts, identification, needs, profiles, stats, terminals, visits

router = Router(tags=["care"])
router.add_router("/identification/", identification.router)
router.add_router("/profiles/", profiles.router)
router.add_router("/visits/", visits.router)
router.add_router("/terminals/", terminals.router)
router.add_router("/alerts/", alerts.router)
router.add_router("/needs/", needs.router)
router.add_router("/stats/", stats.router)
