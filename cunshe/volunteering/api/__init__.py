"""The volunteering and points API under /api/v1/volunteering/: one Router per part."""

from ninja import Router

from cunshe.volunteering.api import activities, needs, points, records, reports, store, volunteers

router = Router(tags=["volunteering"])
router.add_router("/volunteers/", volunteers.router)
router.add_router("/records/", records.router)
router.add_router("/activities/", activities.router)
router.add_router("/needs/", needs.router)
router.add_router("/points/", points.router)
router.add_router("/store/", store.router)
router.add_router("/reports/", reports.router)
