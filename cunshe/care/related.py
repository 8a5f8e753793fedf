"""The person page's care line (cunshe.residents.related): one line per profile of the person
that the viewer may read — "留守老年人 · 在册 · 重点关注 · 下次探访 2026-12-05" with a link.
Nothing at all for viewers without care.view, and children's profiles only with
care.view_children (the rule lives in `care.access`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cunshe.care.access import audit_read
from cunshe.care.selectors.profiles import profiles_of_person
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents import related

MODULE = _("三留守关爱")


def line(profile: Any) -> str:
    parts = [
        str(profile.get_kind_display()),
        str(profile.get_status_display()),
        str(profile.get_risk_level_display()),
    ]
    if profile.next_visit_due is not None and profile.status == profile.Status.ACTIVE:
        due = timezone.localtime(profile.next_visit_due).date().isoformat()
        parts.append(gettext("下次探访 %(day)s") % {"day": due})
    return " · ".join(parts)


@related.provider
def care_profiles(jurisdiction: Jurisdiction, person: Any) -> list[related.RelatedEntry]:
    rows = profiles_of_person(jurisdiction, person)
    if rows:
        audit_read(
            jurisdiction, "related", obj=person, count=len(rows), kinds=[p.kind for p in rows]
        )
    return [
        related.RelatedEntry(MODULE, line(p), reverse("care:profile_detail", args=[p.pk]))
        for p in rows
    ]
