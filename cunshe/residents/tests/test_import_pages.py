"""The import pages: template download, upload checks, dry run and commit reports, rejected rows
download, background jobs with a polled progress bar, and who may do any of it."""

from __future__ import annotations

import io
import zipfile
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from cunshe.core.models import AuditEvent
from cunshe.residents import importing
from cunshe.residents.models import ImportJob, Person
from cunshe.residents.tests.importdata import csv_bytes, family, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def upload(client, name: str, data: bytes, mode: str = "dry_run"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("residents:import"), {"file": SimpleUploadedFile(name, data), "mode": mode}
    )


def test_template_has_headers_example_dropdowns_and_a_frozen_header(client_as) -> None:
    response = client_as("clerk_a").get(reverse("residents:import_template"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["人员"]
    headers = [c.value for c in sheet[1]]
    assert headers[:5] == ["村/组代码*", "户号*", "与户主关系*", "姓名*", "身份证号*"]
    assert "低保户" in headers and "退役军人" in headers
    assert sheet.freeze_panes == "A2"
    assert sheet["C2"].value == "02 户主"
    assert book["代码表"].sheet_state == "hidden"
    formulas = {dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert any("$C$" in f for f in formulas)  # relationship
    coded = [c for c in importing.COLUMNS if c.in_template and c.codes]
    assert len(sheet.data_validations.dataValidation) == len(coded)


def test_the_example_row_is_valid_and_skipped_when_left_in(client_as, cast) -> None:
    from cunshe.residents.tests.conftest import jurisdiction_of

    data = client_as("clerk_a").get(reverse("residents:import_template")).content
    assert importing.read_upload("t.xlsx", data).rows == []
    grid = [[c.header for c in importing.COLUMNS if c.in_template]]
    grid.append([c.example for c in importing.COLUMNS if c.in_template])
    grid[1][3] = "张三"
    plan = importing.validate(jurisdiction_of(cast.clerk_a), importing.table_from_grid(grid))
    assert plan.problems == [] and len(plan.table.rows) == 1


def test_csv_template_has_a_bom_and_the_same_columns(client_as) -> None:
    response = client_as("clerk_a").get(reverse("residents:import_template") + "?format=csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "与户主关系" in response.content.decode("utf-8-sig").splitlines()[0]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("list.txt", b"a,b", "只能上传"),
        ("list.xls", b"\xd0\xcf\x11\xe0", "xls"),
        ("list.xlsx", b"not a zip at all", "不是有效的 Excel"),
        ("list.xlsx", b"PK\x03\x04" + b"\x00" * 40, "不是有效的 Excel"),
        ("list.csv", b"PK\x03\x04\x14\x00", "不是文本"),
        ("list.csv", "姓名,户号\n张三,1\n".encode(), "找不到这些列"),
    ],
)
def test_upload_checks_give_clear_errors(client_as, name, data, message) -> None:  # type: ignore[no-untyped-def]
    response = upload(client_as("clerk_a"), name, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob._base_manager.exists()


def test_an_xlsx_zip_without_content_types_is_refused(client_as) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    response = upload(client_as("clerk_a"), "x.xlsx", out.getvalue())
    assert response.status_code == 400 and "不是有效的 Excel" in response.content.decode()


def test_files_over_the_size_limit_are_refused(client_as, monkeypatch) -> None:
    monkeypatch.setattr(importing, "MAX_UPLOAD_BYTES", 100)
    response = upload(client_as("clerk_a"), "list.csv", csv_bytes(family()))
    assert response.status_code == 400 and "20 MB" in response.content.decode()


def test_dry_run_page_lists_every_problem_and_writes_nothing(client_as, cast) -> None:
    rows = family()
    rows[1]["身份证号"] = "123"
    client = client_as("clerk_a")
    response = upload(client, "list.xlsx", xlsx_bytes(rows))
    job = ImportJob._base_manager.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{job.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "试运行结果" in page and "身份证号应为18位" in page
    assert Person._base_manager.count() == 0
    assert job.status == "done" and job.rejected == 3
    report = client.get(reverse("residents:import_job_report", args=[job.pk]))
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment")


def test_commit_valid_only_from_the_page(client_as) -> None:
    client = client_as("clerk_a")
    rows = family() + family("H2", seq=20)
    rows[3]["与户主关系"] = "10 配偶"  # H2 loses its head
    response = upload(client, "list.csv", csv_bytes(rows), "valid_only")
    page = client.get(response["Location"]).content.decode()
    assert "新建 1 户、3 人" in page and "没有户主" in page
    assert Person._base_manager.count() == 3
    assert AuditEvent.objects.filter(action="residents.import.committed").count() == 1


def test_large_files_run_as_a_background_job_with_progress(client_as, monkeypatch) -> None:
    from cunshe.residents import import_views

    monkeypatch.setattr(importing, "BACKGROUND_ROWS", 2)
    monkeypatch.setattr(importing, "BULK_ROWS", 2)
    seen: list[int] = []
    original = import_views.process_import.enqueue

    def spy(pk):  # type: ignore[no-untyped-def]
        seen.append(pk)
        result = original(pk)
        assert result.status == "SUCCESSFUL" and result.return_value == "done"
        return result

    monkeypatch.setattr(import_views, "process_import", SimpleNamespace(enqueue=spy))
    client = client_as("clerk_a")
    response = upload(client, "list.csv", csv_bytes(family() + family("H2", seq=20)), "valid_only")
    job = ImportJob._base_manager.get()
    assert seen == [job.pk]  # it went through the task queue (run at once by the test backend)
    assert (job.status, job.total, job.processed, job.ok_rows) == ("done", 6, 6, 6)
    fragment = client.get(
        reverse("residents:import_job_progress", args=[job.pk]), HTTP_HX_REQUEST="true"
    )
    assert fragment["HX-Refresh"] == "true"
    assert 'value="100"' in fragment.content.decode()
    assert Person._base_manager.count() == 6
    assert response.status_code == 302


def test_an_unfinished_job_page_polls_its_progress(client_as, cast) -> None:
    job = ImportJob._base_manager.create(
        region=cast.village_a, created_by=cast.clerk_a, filename="x.csv", file="imports/x.csv",
        mode="valid_only", status="running", total=1000, processed=250,
    )  # fmt: skip
    page = client_as("clerk_a").get(reverse("residents:import_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and 'value="25"' in page
    assert "style=" not in page.split("<main")[-1]


def test_jobs_are_private_to_their_uploader(client_as, cast) -> None:
    job = ImportJob._base_manager.create(
        region=cast.village_a, created_by=cast.clerk_a, filename="x.csv", file="imports/x.csv",
        mode="dry_run", status="done",
    )  # fmt: skip
    for who in ("outsider", "township_officer", "leader_a"):
        client = client_as(who)
        for name in ("import_job", "import_job_progress", "import_job_report"):
            assert client.get(reverse(f"residents:{name}", args=[job.pk])).status_code in (403, 404)


@pytest.mark.parametrize("name", ["import", "import_template"])
def test_import_pages_need_the_import_permission(client_as, name) -> None:  # type: ignore[no-untyped-def]
    assert client_as("leader_a").get(reverse(f"residents:{name}")).status_code == 403
    assert client_as("villager").get(reverse(f"residents:{name}")).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    for url in (reverse("residents:import"), reverse("residents:export")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_outsider_imports_nothing_into_village_a(client_as) -> None:
    client = client_as("outsider")
    response = upload(client, "list.csv", csv_bytes(family()), "valid_only")
    page = client.get(response["Location"]).content.decode()
    assert "不在您的管辖范围内" in page
    assert Person._base_manager.count() == 0
