"""Reads of the volunteer record (志愿服务条例 Art. 19: identity, service, training, honours,
evaluation) and of certificates, including the public check by token (no sign-in)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Sum
from django.http import Http404

from cunshe.core.access import get_scoped_or_404, require_jurisdiction
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_id_number, mask_phone
from cunshe.volunteering.models import Certificate, HoursEntry, Volunteer
from cunshe.volunteering.rules import rule, star_for_minutes
from cunshe.volunteering.services.certificates import mask_person_name

VIEW = "volunteering.view"


def hours(minutes: int) -> str:
    """150 -> '2.5', 120 -> '2' (one decimal, for display)."""
    return f"{minutes / 60:.1f}".rstrip("0").rstrip(".")


@dataclass
class ServiceLine:
    """Approved minutes of one activity (or of need-based/other service)."""

    activity_id: int | None
    title: str
    minutes: int
    entries: int
    first: object
    last: object


@dataclass
class Record:
    volunteer: Volunteer
    id_masked: str
    phone_masked: str
    star: int
    next_star_hours: int | None
    service: list[ServiceLine] = field(default_factory=list)
    total_minutes: int = 0
    total_hours: str = "0"
    pending: list[HoursEntry] = field(default_factory=list)
    trainings: list = field(default_factory=list)
    honours: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)
    certificates: list = field(default_factory=list)


def service_lines(volunteer: Volunteer) -> list[ServiceLine]:
    """Approved entries (corrections included) summed by activity, newest first."""
    rows = (
        volunteer.hours.filter(status=HoursEntry.Status.APPROVED)
        .values("activity_id", "activity__title")
        .annotate(
            minutes=Sum("minutes"),
            entries=Count("pk"),
            first=Min("service_date"),
            last=Max("service_date"),
        )
        .order_by("-last", "activity_id")
    )
    return [
        ServiceLine(
            r["activity_id"],
            r["activity__title"] or "",
            int(r["minutes"] or 0),
            r["entries"],
            r["first"],
            r["last"],
        )
        for r in rows
    ]


def record_of(volunteer: Volunteer, *, with_pending: bool = True) -> Record:
    """The five categories of one volunteer's record, ID and phone masked."""
    lines = service_lines(volunteer)
    total = sum(line.minutes for line in lines)
    star = star_for_minutes(volunteer.approved_minutes)
    thresholds = rule("STAR_HOURS")
    next_hours = thresholds[star] if star < len(thresholds) else None
    certs = list(volunteer.certificates.all())
    for c in certs:
        c.hours = hours(c.minutes)  # type: ignore[attr-defined]
    return Record(
        volunteer=volunteer,
        id_masked=mask_id_number(volunteer.id_number),
        phone_masked=mask_phone(volunteer.phone),
        star=star,
        next_star_hours=next_hours,
        service=lines,
        total_minutes=total,
        total_hours=hours(total),
        pending=list(
            volunteer.hours.exclude(
                status__in=(HoursEntry.Status.APPROVED, HoursEntry.Status.REJECTED)
            ).select_related("activity")[:50]
        )
        if with_pending
        else [],
        trainings=list(volunteer.trainings.all()),
        honours=list(volunteer.honours.all()),
        evaluations=list(volunteer.evaluations.select_related("activity")),
        certificates=certs,
    )


def certificates_for(jurisdiction: Jurisdiction, volunteer: Volunteer | None = None):  # type: ignore[no-untyped-def]
    qs = Certificate.objects.within(jurisdiction).select_related("volunteer")
    if volunteer is not None:
        qs = qs.filter(volunteer=volunteer)
    return qs.order_by("-issued_at", "-id")


def get_certificate_for(
    jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW
) -> Certificate:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        Certificate.objects.within(j).select_related("volunteer"), j, need=need, pk=pk
    )


def own_certificate(jurisdiction: Jurisdiction | None, pk: int) -> Certificate:
    """A certificate of the caller's own volunteer record (404 for anyone else's)."""
    j = require_jurisdiction(jurisdiction)
    if j.user_id is None:
        raise Http404
    from django.db.models import Q

    cert = (
        Certificate.objects.within(j)
        .filter(pk=pk)
        .filter(Q(volunteer__person__account_id=j.user_id) | Q(volunteer__account_id=j.user_id))
        .select_related("volunteer")
        .first()
    )
    if cert is None:
        raise Http404
    return cert


@dataclass(frozen=True)
class PublicCertificate:
    """What the public check page may show: nothing personal beyond the masked name."""

    number: str
    name_masked: str
    minutes: int
    hours: str
    star: int
    activities: int
    issuer_name: str
    issued_on: object
    period_from: object
    period_to: object
    revoked_on: object
    valid: bool


def public_certificate(token: str) -> PublicCertificate:
    """The certificate with this token, for anyone (404 for an unknown token)."""
    if not token or len(token) > 32:
        raise Http404
    from django.utils import timezone

    row = (
        Certificate._base_manager.filter(token=token)
        .values(
            "number",
            "volunteer__name",
            "minutes",
            "star",
            "activities",
            "issuer_name",
            "issued_at",
            "period_from",
            "period_to",
            "revoked_at",
        )
        .first()
    )
    if row is None:
        raise Http404
    return PublicCertificate(
        number=row["number"],
        name_masked=mask_person_name(row["volunteer__name"]),
        minutes=row["minutes"],
        hours=hours(row["minutes"]),
        star=row["star"],
        activities=row["activities"],
        issuer_name=row["issuer_name"],
        issued_on=timezone.localtime(row["issued_at"]).date(),
        period_from=row["period_from"],
        period_to=row["period_to"],
        revoked_on=timezone.localtime(row["revoked_at"]).date() if row["revoked_at"] else None,
        valid=row["revoked_at"] is None,
    )
