"""Batch matching (docs/volunteering/needs.md, "Batch assignment"): for the open needs of the
jurisdiction in a period, build the score matrix with numpy (matching/score.py) and assign
volunteers optimally (matching/assign.py: linear_sum_assignment with capacity and overlaps,
compared with the greedy baseline). The result replaces the needs' proposals with proposed
Match rows sharing one `batch` id; the clerk reviews and confirms them as for one need.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.volunteering.matching import assign as asg
from cunshe.volunteering.matching import score as sc
from cunshe.volunteering.models import Match, Need
from cunshe.volunteering.services import commitments
from cunshe.volunteering.services.needs import (
    CANDIDATE_FIELDS,
    HOLDING,
    MANAGE,
    candidates,
    need_row,
    places_for,
)

MAX_NEEDS = 5000
MAX_DAYS = 62


@dataclass
class BatchResult:
    batch: str
    needs: int
    places: int
    volunteers: int
    proposed: int
    total: int
    greedy_total: int
    method: str


@transaction.atomic
def batch_run(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    since: datetime,
    until: datetime,
    region_code: str = "",
) -> BatchResult:
    """Assign volunteers to every open need starting in [since, until) in the jurisdiction
    (optionally under `region_code`), volunteers from each need's county."""
    if not jurisdiction.has_perm(MANAGE):
        raise PermissionDenied(MANAGE)
    if region_code and not jurisdiction.covers(region_code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    if until <= since:
        raise ValidationError({"until": _("结束日期须晚于开始日期。")})
    if until - since > timedelta(days=MAX_DAYS):
        raise ValidationError({"until": _("一次最多匹配62天内的需求。")})
    needs_qs = Need.objects.within(jurisdiction).filter(
        status=Need.Status.OPEN, starts_at__gte=since, starts_at__lt=until
    )
    if region_code:
        needs_qs = needs_qs.filter(region_code__startswith=region_code)
    # Locked first, counted apart: PostgreSQL allows no FOR UPDATE with GROUP BY.
    needs = list(needs_qs.select_for_update().order_by("starts_at", "id")[: MAX_NEEDS + 1])
    if len(needs) > MAX_NEEDS:
        raise ValidationError(_("需求太多（超过5000条），请缩小时间或地区范围。"))
    held = dict(
        Match._base_manager.filter(need_id__in=[n.pk for n in needs], status__in=HOLDING)
        .values("need_id")
        .annotate(n=Count("id"))
        .values_list("need_id", "n")
    )
    for n in needs:
        n.held = held.get(n.pk, 0)
    needs = [n for n in needs if n.volunteers_needed - n.held > 0]
    batch = secrets.token_hex(8)
    need_ids = [n.pk for n in needs]
    Match._base_manager.filter(need_id__in=need_ids, status=Match.Status.PROPOSED).delete()
    result = BatchResult(batch, len(needs), 0, 0, 0, 0, 0, "empty")
    if needs:
        counties = sorted({n.region_code[:6] for n in needs})
        rows: list[dict[str, Any]] = []
        for county in counties:
            rows.extend(candidates(jurisdiction, county).values(*CANDIDATE_FIELDS))
        answered = set(
            Match._base_manager.filter(need_id__in=need_ids).values_list("need_id", "volunteer_id")
        )
        if rows:
            vols = sc.Volunteers.build(rows)
            nd = sc.Needs.build([need_row(n, n.volunteers_needed - n.held) for n in needs])
            places = places_for({*nd.region_codes, *vols.region_codes})
            values = sc.score_matrix(vols, nd, places)
            start = min(n.starts_at for n in needs)
            end = max(n.ends_at for n in needs)
            feasible = sc.feasible_matrix(
                vols, nd, commitments.busy_intervals(vols.ids, start, end)
            )
            vc = np.array([c[:6] for c in vols.region_codes])
            nc = np.array([c[:6] for c in nd.region_codes])
            feasible &= vc[:, None] == nc[None, :]
            index_v = {vid: i for i, vid in enumerate(vols.ids)}
            index_n = {nid: j for j, nid in enumerate(nd.ids)}
            for nid, vid in answered:
                if vid in index_v:
                    feasible[index_v[vid], index_n[nid]] = False
            res = asg.assign_optimal(values, feasible, nd.capacity, nd.starts, nd.ends)
            by_id = {n.pk: n for n in needs}
            new = []
            for vi, ni in res.pairs:
                need = by_id[nd.ids[ni]]
                exp = sc.explain_pair(vols, vi, nd, ni, places)
                exp["batch"] = batch
                new.append(
                    Match(
                        need=need,
                        volunteer_id=vols.ids[vi],
                        region_id=need.region_id,
                        region_code=need.region_code,
                        score=exp["total"],
                        explanation=exp,
                        batch=batch,
                        starts_at=need.starts_at,
                        ends_at=need.ends_at,
                    )
                )
            Match._base_manager.bulk_create(new, batch_size=1000)
            result = BatchResult(
                batch,
                len(needs),
                int(nd.capacity.sum()),
                len(rows),
                len(new),
                res.total,
                int(res.greedy_total or 0),
                res.method,
            )
    audit(
        "volunteering.match.batch",
        actor=actor,
        jurisdiction=jurisdiction,
        object_type="volunteering.batch",
        object_id=batch,
        detail={
            "needs": result.needs,
            "places": result.places,
            "volunteers": result.volunteers,
            "proposed": result.proposed,
            "total": result.total,
            "greedy_total": result.greedy_total,
            "method": result.method,
            "since": since.isoformat(),
            "until": until.isoformat(),
        },
    )
    return result
