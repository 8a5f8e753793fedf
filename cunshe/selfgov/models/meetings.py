"""Meetings: convened with an agenda and a notice date, named sign-in, a live quorum by kind,
decisions per agenda item (counts or named votes), minutes."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunshe.core.scoping import ScopedModel, prefix_index


class MeetingKind(models.TextChoices):
    VILLAGERS = "villagers", _("村民会议")
    REPRESENTATIVES = "representatives", _("村民代表会议")
    GROUP = "group", _("村民小组会议")
    BRANCH = "branch", _("党支部委员会会议")
    JOINT = "joint", _("两委联席会议")
    PARTY_MEMBERS = "party_members", _("党员大会")
    COUNCIL = "council", _("议事会/理事会会议")
    SUPERVISION = "supervision", _("村务监督委员会会议")


class Meeting(ScopedModel):
    """`region` is the village (a group meeting: the group). The quorum's bases (adults,
    households, members) are fixed when the meeting opens, from the register and the bodies."""

    class Status(models.TextChoices):
        CONVENED = "convened", _("已通知")
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")
        CANCELLED = "cancelled", _("已取消")

    class RequestedBy(models.TextChoices):
        COMMITTEE = "committee", _("村民委员会召集")
        VILLAGERS = "villagers", _("十分之一以上村民提议")
        REPRESENTATIVES = "representatives", _("三分之一以上村民代表提议")
        BRANCH = "branch", _("党支部")

    kind = models.CharField(_("会议类型"), max_length=16, choices=MeetingKind.choices)
    body = models.ForeignKey(
        "selfgov.Body", on_delete=models.PROTECT, null=True, blank=True, related_name="meetings"
    )
    title = models.CharField(_("会议名称"), max_length=150)
    requested_by = models.CharField(
        _("召集依据"), max_length=16, choices=RequestedBy.choices, default=RequestedBy.COMMITTEE
    )
    notice_on = models.DateField(_("通知日期"))
    scheduled_at = models.DateTimeField(_("召开时间"))
    place = models.CharField(_("地点"), max_length=150)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.CONVENED
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The quorum's bases, fixed at opening.
    base_adults = models.PositiveIntegerField(null=True, blank=True)
    base_households = models.PositiveIntegerField(null=True, blank=True)
    base_members = models.PositiveIntegerField(null=True, blank=True)
    minutes_text = models.TextField(_("会议记录"), blank=True)
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-scheduled_at", "-id"]
        indexes = [
            prefix_index("selfgov_meeting_region"),
            models.Index(
                fields=["region_code", "kind", "scheduled_at"], name="selfgov_meeting_kind"
            ),
        ]
        verbose_name = _("会议")
        verbose_name_plural = _("会议")

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("议题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    # A 四议两公开 matter this item moves one step (see models.matters).
    matter = models.ForeignKey(
        "selfgov.Matter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """A named sign-in. For a 村民会议 a person may sign in as their household's representative
    (`household` set: one per household, a DB constraint)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "residents.Household", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_in_at = models.DateTimeField()
    signed_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["signed_in_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="selfgov_attend_once"),
            models.UniqueConstraint(
                fields=["meeting", "household"],
                condition=Q(household__isnull=False),
                name="selfgov_attend_one_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.person_id}"


class Decision(models.Model):
    """The decision on one agenda item: counts (or named votes, then the counts are theirs).
    Recorded only while the meeting has its quorum; passed only by more than half of those
    present at the vote (rules DECISION_MAJORITY)."""

    agenda_item = models.OneToOneField(
        AgendaItem, on_delete=models.PROTECT, related_name="decision"
    )
    text = models.TextField(_("决议内容"))
    present = models.PositiveIntegerField(_("到会人数"))
    votes_for = models.PositiveIntegerField(_("赞成"))
    votes_against = models.PositiveIntegerField(_("反对"))
    abstentions = models.PositiveIntegerField(_("弃权"))
    named = models.BooleanField(default=False)
    passed = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    present__gte=models.F("votes_for")
                    + models.F("votes_against")
                    + models.F("abstentions")
                ),
                name="selfgov_decision_votes_le_present",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agenda_item_id}"


class DecisionVote(models.Model):
    class Choice(models.TextChoices):
        FOR = "for", _("赞成")
        AGAINST = "against", _("反对")
        ABSTAIN = "abstain", _("弃权")

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="votes")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=8, choices=Choice.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["decision", "person"], name="selfgov_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.decision_id}:{self.person_id}"


def _upload_to(instance: Any, filename: str) -> str:
    # Stored names say nothing about the meeting or the content: a random name, no extension.
    return f"selfgov/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class MeetingAttachment(models.Model):
    """A file kept with a meeting (a signed sign-in sheet, a notice, a photo of the board):
    PDF, JPEG or PNG by its bytes, stored under a random name, served only through an
    access-checked view. Scoped through its meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attachments")
    title = models.CharField(_("附件名称"), max_length=120)
    file = models.FileField(upload_to=_upload_to, max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("会议附件")
        verbose_name_plural = _("会议附件")

    def __str__(self) -> str:
        return self.title
