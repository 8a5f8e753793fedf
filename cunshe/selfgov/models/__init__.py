"""Villager self-governance models, one module per part (bodies, meetings, matters, disclosure,
elections). Every row is scoped by its village (or group); a township sees its villages."""

from cunshe.selfgov.models.bodies import Body, BodyKind, Membership, Position
from cunshe.selfgov.models.disclosure import (
    Disclosure,
    DisclosureCategory,
    DisclosureDue,
    DisclosureQuestion,
)
from cunshe.selfgov.models.elections import (
    Candidate,
    Election,
    ElectionResult,
    NonHukouApproval,
    Proxy,
    RecallPetition,
    RollObjection,
    VoterRollEntry,
)
from cunshe.selfgov.models.matters import Matter, MatterCategory, MatterStep, Step
from cunshe.selfgov.models.meetings import (
    AgendaItem,
    Attendance,
    Decision,
    DecisionVote,
    Meeting,
    MeetingAttachment,
    MeetingKind,
)
from cunshe.selfgov.models.polls import Poll, PollBallot, PollOption, PollParticipation, PollVoter
from cunshe.selfgov.models.proposals import Consultation, Proposal, ProposalSignature
from cunshe.selfgov.models.rules_docs import RulesKind, RulesVersion

__all__ = [
    "AgendaItem",
    "Attendance",
    "Body",
    "BodyKind",
    "Candidate",
    "Consultation",
    "Decision",
    "DecisionVote",
    "Disclosure",
    "DisclosureCategory",
    "DisclosureDue",
    "DisclosureQuestion",
    "Election",
    "ElectionResult",
    "Matter",
    "MatterCategory",
    "MatterStep",
    "Meeting",
    "MeetingAttachment",
    "MeetingKind",
    "Membership",
    "NonHukouApproval",
    "Poll",
    "PollBallot",
    "PollOption",
    "PollParticipation",
    "PollVoter",
    "Position",
    "Proposal",
    "ProposalSignature",
    "Proxy",
    "RecallPetition",
    "RollObjection",
    "RulesKind",
    "RulesVersion",
    "Step",
    "VoterRollEntry",
]
