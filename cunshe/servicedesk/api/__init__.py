"""The service desk's API under /api/v1/servicedesk/: one Router per part, assembled here.
Open311 GeoReport v2 is mounted separately at /open311/v2/ (see `cunshe.servicedesk.open311`)."""

from ninja import Router

from cunshe.servicedesk.api import applications, appointments, catalogue, metrics, ratings, reports

router = Router(tags=["servicedesk"])
router.add_router("/applications/", applications.router)
router.add_router("/appointments/", appointments.router)
router.add_router("/catalogue/", catalogue.router)
router.add_router("/ratings/", ratings.router)
router.add_router("/reports/", reports.router)
router.add_router("/metrics/", metrics.router)
