"""换届选举: the election, its voter roll (generated from the register for the election day),
objections, proxies, candidates, results and recall petitions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cunshe.core.scoping import ScopedModel, prefix_index


class Election(ScopedModel):
    """`region` = the village. The timetable (roll published ≥ 20 days before the vote,
    objections within 5 days, answers within 3) is enforced by the services from the rules."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("筹备中")
        ROLL_PUBLISHED = "roll_published", _("选民名单已公布")
        RESULTS = "results", _("已公布结果")
        CANCELLED = "cancelled", _("已取消")

    title = models.CharField(_("名称"), max_length=150)
    vote_on = models.DateField(_("选举日"))
    seats = models.PositiveSmallIntegerField(_("应选名额"), default=5)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PREPARING
    )
    roll_generated_at = models.DateTimeField(null=True, blank=True)
    roll_published_on = models.DateField(_("名单公布日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["-vote_on", "-id"]
        indexes = [prefix_index("selfgov_election_region")]
        verbose_name = _("换届选举")
        verbose_name_plural = _("换届选举")

    def __str__(self) -> str:
        return self.title


class VoterRollEntry(models.Model):
    """One voter on one election's roll, in one of the three categories (Art. 13). The ID's
    blind index is copied so the same person on another village's roll for an overlapping
    election is found without decrypting anything."""

    class Category(models.TextChoices):
        RESIDENT = "a", _("户籍在本村且在本村居住")
        AWAY_OPTED_IN = "b", _("户籍在本村、不在本村居住、本人表示参加选举")
        NON_HUKOU = "c", _("户籍不在本村、在本村居住一年以上、经村民会议或代表会议同意")

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="roll")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    # A copy of the person's blind index (not a BlindIndexField: there is no ciphertext here to
    # compute it from), indexed by `selfgov_roll_bidx`.
    id_number_bidx = models.CharField(max_length=32, blank=True, default="", editable=False)
    category = models.CharField(max_length=1, choices=Category.choices)
    approval = models.ForeignKey(
        "selfgov.NonHukouApproval",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    removed = models.BooleanField(default=False)
    removed_reason = models.CharField(max_length=200, blank=True)
    # Why the generator left this person off (a rule's name, e.g. "one_village"); blank for a
    # clerk's removal, which a re-generation never undoes.
    removed_rule = models.CharField(max_length=40, blank=True)
    # Added by hand (after an objection or a late opt-in/approval) with the clerk's reason.
    manual = models.BooleanField(default=False)
    added_reason = models.CharField(max_length=200, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["election_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "person"], name="selfgov_roll_once"),
            models.CheckConstraint(
                condition=~Q(category="c") | Q(approval__isnull=False),
                name="selfgov_roll_c_needs_approval",
            ),
        ]
        indexes = [models.Index(fields=["id_number_bidx"], name="selfgov_roll_bidx")]

    def __str__(self) -> str:
        return f"{self.election_id}:{self.person_id}"


class NonHukouApproval(ScopedModel):
    """A non-hukou resident's application to vote here, approved by a 村民会议 or 代表会议
    decision (category c). `region` = the village."""

    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    applied_on = models.DateField(_("申请日期"))
    decision = models.ForeignKey(
        "selfgov.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_on = models.DateField(_("同意日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [prefix_index("selfgov_nonhukou_region")]

    def __str__(self) -> str:
        return f"{self.person_id}"


class RollObjection(models.Model):
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="objections")
    entry = models.ForeignKey(
        VoterRollEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.ForeignKey(
        "residents.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("异议内容"))
    filed_on = models.DateField(_("提出日期"))
    filed_by_name = models.CharField(_("提出人"), max_length=60)
    answer = models.TextField(_("答复"), blank=True)
    answered_on = models.DateField(null=True, blank=True)
    upheld = models.BooleanField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.election_id}:{self.pk}"


class Proxy(models.Model):
    """A written proxy from a voter to a near relative (Art. 15); the list is published."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="proxies")
    principal = models.ForeignKey(VoterRollEntry, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(VoterRollEntry, on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(_("亲属关系"), max_length=20)
    written_on = models.DateField(_("委托日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "principal"], name="selfgov_proxy_once"),
            models.CheckConstraint(
                condition=~Q(principal=models.F("holder")), name="selfgov_proxy_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.principal_id}->{self.holder_id}"


class Candidate(models.Model):
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="candidates")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    position = models.CharField(_("职位"), max_length=20)
    round = models.PositiveSmallIntegerField(default=1)
    votes = models.PositiveIntegerField(null=True, blank=True)
    elected = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["election", "person", "position", "round"], name="selfgov_candidate_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.election_id}:{self.person_id}"


class ElectionResult(models.Model):
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="results")
    round = models.PositiveSmallIntegerField(default=1)
    registered = models.PositiveIntegerField()
    ballots_cast = models.PositiveIntegerField()
    invalid_ballots = models.PositiveIntegerField(default=0)
    valid = models.BooleanField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "round"], name="selfgov_result_once"),
            models.CheckConstraint(
                condition=Q(ballots_cast__lte=models.F("registered")),
                name="selfgov_result_cast_le_registered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.election_id}:{self.round}"


class RecallPetition(ScopedModel):
    """A request to recall a committee member (Art. 16): by 1/5 of voters or 1/3 of
    representatives; the vote passes with more than half of voters voting and more than half of
    those voting in favour. `region` = the village."""

    member = models.ForeignKey("selfgov.Membership", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("罢免理由"))
    filed_on = models.DateField()
    by_representatives = models.BooleanField(default=False)
    signatures = models.PositiveIntegerField(default=0)
    eligible_base = models.PositiveIntegerField(default=0)
    threshold_met = models.BooleanField(default=False)
    voters_registered = models.PositiveIntegerField(null=True, blank=True)
    voters_voting = models.PositiveIntegerField(null=True, blank=True)
    votes_for = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [prefix_index("selfgov_recall_region")]

    def __str__(self) -> str:
        return f"{self.member_id}"


class VoterOptIn(models.Model):
    """Category (b): a villager with hukou here who lives away says they will take part in this
    election (Art. 13); the date they said so is recorded."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="opt_ins")
    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    opted_in_on = models.DateField(_("表示参加选举日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "person"], name="selfgov_optin_once")
        ]

    def __str__(self) -> str:
        return f"{self.election_id}:{self.person_id}"


class RightsDeprivation(ScopedModel):
    """A person deprived of political rights by a court (the register has no such field): kept
    by the clerk; the roll leaves out whoever is deprived on the election day. `until` empty =
    no end recorded (for life, or until the clerk records one). `region` = the person's."""

    person = models.ForeignKey("residents.Person", on_delete=models.PROTECT, related_name="+")
    since = models.DateField(_("剥夺政治权利起始"))
    until = models.DateField(_("剥夺政治权利终止"), null=True, blank=True)
    basis = models.CharField(_("判决文书"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [prefix_index("selfgov_deprived_region")]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="selfgov_deprived_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}"
