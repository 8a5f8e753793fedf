"""Bodies of the village (村民委员会, 党支部, 村民代表会议, 村民小组, 村务监督委员会, 议事会/理事会)
and their dated memberships."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cunshe.core.scoping import ScopedModel, prefix_index


class BodyKind(models.TextChoices):
    COMMITTEE = "committee", _("村民委员会")
    PARTY_BRANCH = "party_branch", _("村党支部")
    ASSEMBLY = "assembly", _("村民代表会议")
    GROUP = "group", _("村民小组")
    SUPERVISION = "supervision", _("村务监督委员会")
    COUNCIL = "council", _("议事会/理事会")


class Position(models.TextChoices):
    CHAIR = "chair", _("主任/书记")
    VICE_CHAIR = "vice_chair", _("副主任/副书记")
    MEMBER = "member", _("委员/成员")
    REPRESENTATIVE = "representative", _("村民代表")
    GROUP_LEADER = "group_leader", _("村民小组长")


class Body(ScopedModel):
    """One body of one village; `region` is the village (a 村民小组 sits on its group)."""

    village_code = models.CharField(max_length=12, editable=False)
    kind = models.CharField(_("类别"), max_length=16, choices=BodyKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    term_start = models.DateField(_("本届起始"), null=True, blank=True)
    term_end = models.DateField(_("本届届满"), null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region_code", "kind", "id"]
        indexes = [prefix_index("selfgov_body_region")]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True)
                | Q(term_start__isnull=True)
                | Q(term_end__gt=F("term_start")),
                name="selfgov_body_term_order",
            )
        ]
        verbose_name = _("自治组织")
        verbose_name_plural = _("自治组织")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.region_id is not None:
            self.village_code = self.region.code[:12]
        super().save(*args, **kwargs)


class Membership(ScopedModel):
    """A person's place on a body from `start` to `end` (open while current). A representative
    may speak for a group or for a number of households (5–15 by the rules). `region` = body's."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    position = models.CharField(_("职务"), max_length=16, choices=Position.choices)
    start = models.DateField(_("任职起始"))
    end = models.DateField(_("任职终止"), null=True, blank=True)
    households_represented = models.PositiveIntegerField(_("联系户数"), null=True, blank=True)
    group = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["body_id", "position", "start", "id"]
        indexes = [
            prefix_index("selfgov_member_region"),
            models.Index(fields=["person", "end"], name="selfgov_member_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="selfgov_membership_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.body_id}:{self.person_id}"
