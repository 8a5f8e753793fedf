"""Polls (民意调查/协商表决) for consultation and surveys — not committee elections.

A poll is put to the adults of a village or group (optionally one vote per household). Who may
vote is fixed from the register when the poll opens (`PollVoter`, a snapshot). Each vote leaves a
`PollParticipation` (who, when, how: online / at the hall / by proxy) — one per person and, for
household polls, one per household, both database constraints.

Open ballot: the choice is on the participation. Secret ballot: the participation carries no
choice; the choice goes into `PollBallot`, which has no person, no user, no time and a random
token as primary key, so nothing joins a ballot to a participation (docs/selfgov/polls.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunshe.core.scoping import ScopedModel, prefix_index


class Poll(ScopedModel):
    """`region` = the village or a group (村民小组)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("未开始")
        OPEN = "open", _("投票中")
        CLOSED = "closed", _("已结束")
        CANCELLED = "cancelled", _("已取消")

    question = models.CharField(_("问题"), max_length=300)
    description = models.TextField(_("说明"), blank=True)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    secret = models.BooleanField(_("无记名投票"), default=True)
    per_household = models.BooleanField(_("每户一票"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Fixed at opening: eligible persons (and households for a household poll).
    eligible_persons = models.PositiveIntegerField(null=True, blank=True)
    eligible_households = models.PositiveIntegerField(null=True, blank=True)
    # Filled at closing.
    votes_cast = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-opens_at", "-id"]
        indexes = [prefix_index("selfgov_poll_region")]
        verbose_name = _("民意调查")
        verbose_name_plural = _("民意调查")

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("选项"), max_length=200)
    # The count, written when the poll closes (hidden until then).
    votes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "order"], name="selfgov_poll_option_order")
        ]

    def __str__(self) -> str:
        return self.text


class PollVoter(models.Model):
    """The eligibility snapshot: one row per eligible person, taken when the poll opens."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="voters")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "residents.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "person"], name="selfgov_poll_voter_once")
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}:{self.person_id}"


class PollParticipation(models.Model):
    """Who voted, when and how. `household` is set only on a household poll (one vote per
    household); `option` only on an open ballot."""

    class Origin(models.TextChoices):
        ONLINE = "online", _("网上投票")
        HALL = "hall", _("服务大厅现场投票")
        PROXY = "proxy", _("委托投票")

    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="participations")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "residents.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    origin = models.CharField(max_length=8, choices=Origin.choices)
    voted_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proxy_holder = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proxy_relation = models.CharField(max_length=20, blank=True)
    option = models.ForeignKey(
        PollOption, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["voted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "person"], name="selfgov_poll_vote_once"),
            models.UniqueConstraint(
                fields=["poll", "household"],
                condition=Q(household__isnull=False),
                name="selfgov_poll_vote_once_per_household",
            ),
        ]
        indexes = [models.Index(fields=["poll", "proxy_holder"], name="selfgov_poll_proxy")]

    def __str__(self) -> str:
        return f"{self.poll_id}:{self.person_id}"


class PollBallot(models.Model):
    """A secret ballot: the poll and the choice, nothing else. The primary key is a random
    token (no sequence); the rows are rewritten in token order when the poll closes, so even the
    table's physical order no longer follows the order of voting."""

    token = models.CharField(primary_key=True, max_length=32, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.PROTECT, related_name="ballots")
    option = models.ForeignKey(PollOption, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["token"]

    def __str__(self) -> str:
        return self.token
