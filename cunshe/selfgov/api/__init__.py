"""The self-governance API under /api/v1/selfgov/: one Router per part, assembled here."""

from ninja import Router

from cunshe.selfgov.api import bodies, disclosure, elections, matters, meetings, polls

router = Router(tags=["selfgov"])
router.add_router("/bodies/", bodies.router)
router.add_router("/meetings/", meetings.router)
router.add_router("/matters/", matters.router)
router.add_router("/disclosures/", disclosure.router)
router.add_router("/elections/", elections.router)
router.add_router("/polls/", polls.router)
