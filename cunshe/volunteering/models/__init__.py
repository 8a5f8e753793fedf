"""Volunteering and points models, one module per part (docs/volunteering.md)."""

from cunshe.volunteering.models.activities import (
    Activity,
    HoursEntry,
    Project,
    ServiceCategory,
    Shift,
    Signup,
)
from cunshe.volunteering.models.ledger import (
    Declaration,
    EarningRule,
    ImmutableError,
    Movement,
    Objection,
    PointsAccount,
    PointsEntry,
)
from cunshe.volunteering.models.needs import Match, Need
from cunshe.volunteering.models.records import Certificate, Evaluation, Honour, TrainingRecord
from cunshe.volunteering.models.store import (
    Donor,
    Redemption,
    RedemptionLine,
    StockMovement,
    Store,
    StoreItem,
)
from cunshe.volunteering.models.volunteers import (
    DayPart,
    HamletLocation,
    Organisation,
    Skill,
    Station,
    Volunteer,
    Weekday,
)

__all__ = [
    "Activity",
    "Certificate",
    "DayPart",
    "Declaration",
    "Donor",
    "EarningRule",
    "Evaluation",
    "HamletLocation",
    "Honour",
    "HoursEntry",
    "ImmutableError",
    "Match",
    "Movement",
    "Need",
    "Objection",
    "Organisation",
    "PointsAccount",
    "PointsEntry",
    "Project",
    "Redemption",
    "RedemptionLine",
    "ServiceCategory",
    "Shift",
    "Signup",
    "Skill",
    "Station",
    "StockMovement",
    "Store",
    "StoreItem",
    "TrainingRecord",
    "Volunteer",
    "Weekday",
]
