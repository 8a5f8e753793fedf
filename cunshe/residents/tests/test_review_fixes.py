"""Regressions from the security review: health details, formula cells, numbers in the trail."""

import io
from datetime import date

from openpyxl import load_workbook

from cunshe.core.models import AuditEvent
from cunshe.residents import exporting
from cunshe.residents.selectors import PersonFilters
from cunshe.residents.tests.conftest import jurisdiction_of


def test_health_details_are_hidden_from_roles_that_may_not_unmask(cast, client_as, register):
    person = register("李强", date(1985, 4, 4), illness="糖尿病", disability="4:2")
    for who in ("township_officer", "county_civil"):
        html = client_as(who).get(f"/residents/persons/{person.pk}/").content.decode()
        assert "糖尿病" not in html and "4:2" not in html
    assert "糖尿病" in client_as("clerk_a").get(f"/residents/persons/{person.pk}/").content.decode()


def test_export_cells_never_become_formulas(cast, register):
    register('=HYPERLINK("http://x","a")', date(1985, 4, 4))
    data, _n = exporting.export_persons(
        actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a), filters=PersonFilters()
    )
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)


def test_an_id_number_searched_for_is_not_written_to_the_audit_trail(cast, register):
    person = register("李强", date(1985, 4, 4))
    exporting.export_persons(
        actor=cast.clerk_a,
        jurisdiction=jurisdiction_of(cast.clerk_a),
        filters=PersonFilters(q=person.id_number),
    )
    event = AuditEvent.objects.filter(action="residents.export.downloaded").latest("id")
    assert person.id_number not in str(event.detail)
    assert event.detail["filters"]["q"] == "id_number"
