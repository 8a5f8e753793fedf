"""The self-governance API under /api/v1/selfgov/: one Router per part, assembled here."""

from ninja import Router

from cunshe.selfgov.api import (
    bodies,
    disclosure,
    elections,
    matters,
    meetings,
    polls,
    proposals,
    village_rules,
)

router = Router(tags=["selfgov"])
router.add_router("/bodies/", bodies.router)
router.add_router("/meetings/", meetings.router)
router.add_router("/matters/", matters.router)
router.add_router("/disclosures/", disclosure.router)
router.add_router("/elections/", elections.router)
router.add_router("/polls/", polls.router)
router.add_router("/proposals/", proposals.router)
router.add_router("/rules/", village_rules.router)
