"""Proposal pages: a villager proposes and co-signs on the page (counts only, no names), the
committee's list shows the deadline and overdue in red, refusals (outsider 404)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cunshe.selfgov.models import Proposal, ProposalSignature
from cunshe.selfgov.services import proposals as svc
from cunshe.selfgov.tests.proposals_fixtures import *  # noqa: F403


def _proposal(cast, clerk_j, crowd):
    return svc.proposal_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, village=cast.village_a, title="修村东水渠",
        text="集资修缮", proposer=crowd.extra[1],
    )  # fmt: skip


def test_villager_signs_on_page_sees_no_names(cast, clerk_j, crowd, client_as):
    p = _proposal(cast, clerk_j, crowd)
    c = client_as("villager")
    page = c.get(f"/gov/proposals/{p.pk}/")
    assert page.status_code == 200
    assert "我要联署" in page.content.decode() and crowd.extra[1].name not in page.content.decode()
    assert c.post(f"/gov/proposals/{p.pk}/sign/").status_code == 302
    assert ProposalSignature.objects.filter(proposal=p, person=crowd.me).exists()
    again = c.post(f"/gov/proposals/{p.pk}/sign/")
    assert again.status_code == 400 and "只能联署一次" in again.content.decode()
    p.refresh_from_db()
    assert p.status == Proposal.Status.MUST_CONVENE  # 2 of 20 adults


def test_villager_proposes_on_page(cast, crowd, client_as):
    c = client_as("villager")
    assert c.get("/gov/proposals/new/").status_code == 200
    r = c.post("/gov/proposals/new/", {"title": "村口装路灯", "text": "晚上太黑"})
    assert r.status_code == 302
    assert c.post("/gov/proposals/new/", {"title": "", "text": "x"}).status_code == 400


def test_committee_list_shows_overdue(cast, clerk_j, crowd, client_as):
    p = _proposal(cast, clerk_j, crowd)
    svc.proposal_sign(actor=cast.clerk_a, jurisdiction=clerk_j, proposal=p, person=crowd.extra[2])
    p.refresh_from_db()
    Proposal.objects.within(clerk_j).filter(pk=p.pk).update(
        convene_by=timezone.localdate() - timedelta(days=1)
    )
    body = client_as("clerk_a").get("/gov/proposals/").content.decode()
    assert "data-overdue" in body and "list-group-item-danger" in body
    detail = client_as("clerk_a").get(f"/gov/proposals/{p.pk}/").content.decode()
    assert crowd.extra[2].name in detail  # staff see the co-signers


def test_clerk_records_paper_signature(cast, clerk_j, crowd, client_as):
    p = _proposal(cast, clerk_j, crowd)
    c = client_as("clerk_a")
    assert c.post(f"/gov/proposals/{p.pk}/sign/", {"person": crowd.extra[3].pk}).status_code == 302
    sig = ProposalSignature.objects.get(proposal=p, person=crowd.extra[3])
    assert sig.on_paper


def test_outsider_404_and_refusals(cast, clerk_j, crowd, client_as):
    p = _proposal(cast, clerk_j, crowd)
    out = client_as("outsider")
    assert out.get(f"/gov/proposals/{p.pk}/").status_code == 404
    assert out.post(f"/gov/proposals/{p.pk}/sign/").status_code == 404
    assert out.post(f"/gov/proposals/{p.pk}/link/", {"meeting": 1}).status_code == 404
    assert (
        client_as("villager").post(f"/gov/proposals/{p.pk}/link/", {"meeting": 1}).status_code
        == 403
    )
    assert ProposalSignature.objects.filter(proposal=p).count() == 1
