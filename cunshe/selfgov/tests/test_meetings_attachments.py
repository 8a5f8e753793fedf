"""Meeting attachments: upload (PDF/JPEG/PNG by their bytes, a size limit from the rules),
refusals store nothing, a cancelled meeting takes none, the download is an audited attachment
with nosniff to selfgov.view in the village; outsider 404, villager 403; the minutes list the
titles."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cunshe.core.models import AuditEvent
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.selfgov.minutes import build_minutes
from cunshe.selfgov.models import MeetingAttachment
from cunshe.selfgov.services import meetings as svc
from cunshe.selfgov.tests.meetings_fixtures import *  # noqa: F403 (fixtures)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# An HTML page named and typed as a PDF: refused by its bytes.
FAKE_PDF = b"<html><script>alert(1)</script></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploads go to a temporary folder, not the developer's var/media."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


def _stored(media) -> list:  # type: ignore[no-untyped-def]
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def _upload(data: bytes, name: str = "签到表.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_upload_page_lists_and_downloads(client_as, cast, convene, media):
    meeting = convene()
    client = client_as("clerk_a")
    url = reverse("selfgov:meeting", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert "data-attachment-form" in page and "没有附件" in page
    r = client.post(url, {"action": "attach", "title": "会议通知", "file": _upload(PDF)})
    assert r.status_code == 302
    attachment = MeetingAttachment.objects.get()
    assert attachment.meeting_id == meeting.pk and attachment.title == "会议通知"
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.uploaded_by == cast.clerk_a
    # A random stored name: nothing of the title, the original name or the type.
    stored = attachment.file.name
    assert stored.startswith("selfgov/") and "pdf" not in stored and "签到" not in stored
    assert [p.read_bytes() for p in _stored(media)] == [PDF]

    page = client.get(url).content.decode()
    download = reverse("selfgov:meeting_attachment", args=[attachment.pk])
    assert "会议通知" in page and download in page
    r = client.get(download)
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"].startswith("attachment;")
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in r["Cache-Control"]
    # A township officer reads it too (selfgov.view), and cannot upload.
    township = client_as("township_officer")
    assert township.get(download).status_code == 200
    r = township.post(url, {"action": "attach", "title": "x", "file": _upload(PDF)})
    assert r.status_code == 403
    assert MeetingAttachment.objects.count() == 1


def test_bad_content_is_refused_and_nothing_stored(client_as, convene, media):
    meeting = convene()
    client = client_as("clerk_a")
    url = reverse("selfgov:meeting", args=[meeting.pk])
    r = client.post(url, {"action": "attach", "title": "会议通知", "file": _upload(FAKE_PDF)})
    assert r.status_code == 400
    assert "文件内容不是PDF、JPG或PNG" in r.content.decode()
    r = client.post(url, {"action": "attach", "title": "", "file": _upload(PDF)})
    assert r.status_code == 400
    assert not MeetingAttachment.objects.exists()
    assert _stored(media) == []
    assert not AuditEvent.objects.filter(action="selfgov.attachment.added").exists()


def test_service_refusals(cast, clerk_j, convene, settings, media):
    meeting = convene()
    kwargs = {"actor": cast.clerk_a, "jurisdiction": clerk_j, "meeting": meeting}
    settings.SELFGOV_RULES = {"MEETING_ATTACHMENT_MAX_BYTES": 1024 * 1024}
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as err:
        svc.attachment_add(title="扫描件", upload=_upload(big), **kwargs)
    assert "不能超过1MB" in str(err.value)
    at_limit = PNG + b"0" * (1024 * 1024 - len(PNG))
    done = svc.attachment_add(
        title="照片", upload=_upload(at_limit, "a.png", "image/png"), **kwargs
    )
    assert done.content_type == "image/png" and done.size == 1024 * 1024
    with pytest.raises(ValidationError) as err:
        svc.attachment_add(title="空", upload=_upload(b""), **kwargs)
    assert "文件是空的" in str(err.value)
    # The declared type is ignored: PNG bytes named .pdf are stored as PNG.
    png = svc.attachment_add(title="图", upload=_upload(PNG, "x.pdf"), **kwargs)
    assert png.content_type == "image/png"
    settings.SELFGOV_RULES = {"MEETING_ATTACHMENTS_MAX": 2}
    with pytest.raises(ValidationError) as err:
        svc.attachment_add(title="第三个", upload=_upload(PDF), **kwargs)
    assert "最多2个附件" in str(err.value)
    assert MeetingAttachment.objects.count() == 2 and len(_stored(media)) == 2
    # The township may read, not write.
    with pytest.raises(PermissionDenied):
        svc.attachment_add(
            actor=cast.township_officer, jurisdiction=jurisdiction_of(cast.township_officer),
            meeting=meeting, title="x", upload=_upload(PDF),
        )  # fmt: skip


def test_cancelled_meeting_takes_no_attachment(client_as, cast, clerk_j, convene, media):
    meeting = convene()
    meeting = svc.meeting_cancel(
        actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, reason="天气原因"
    )
    with pytest.raises(ValidationError) as err:
        svc.attachment_add(
            actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, title="通知",
            upload=_upload(PDF),
        )  # fmt: skip
    assert "会议已取消" in str(err.value)
    client = client_as("clerk_a")
    url = reverse("selfgov:meeting", args=[meeting.pk])
    assert "data-attachment-form" not in client.get(url).content.decode()
    r = client.post(url, {"action": "attach", "title": "通知", "file": _upload(PDF)})
    assert r.status_code == 400 and "会议已取消" in r.content.decode()
    assert not MeetingAttachment.objects.exists() and _stored(media) == []


def test_outsider_404_villager_403(client_as, cast, clerk_j, convene):
    meeting = convene()
    attachment = svc.attachment_add(
        actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, title="签到表",
        upload=_upload(PDF),
    )  # fmt: skip
    download = reverse("selfgov:meeting_attachment", args=[attachment.pk])
    url = reverse("selfgov:meeting", args=[meeting.pk])
    outsider = client_as("outsider")
    assert outsider.get(download).status_code == 404
    assert (
        outsider.post(url, {"action": "attach", "title": "x", "file": _upload(PDF)}).status_code
        == 404
    )
    assert client_as("clerk_a").get(
        reverse("selfgov:meeting_attachment", args=[attachment.pk + 1000])
    ).status_code == 404  # fmt: skip
    villager = client_as("villager")
    denied = AuditEvent.objects.filter(action="core.permission.denied").count()
    assert villager.get(download).status_code == 403
    assert AuditEvent.objects.filter(action="core.permission.denied").count() == denied + 1
    assert (
        villager.post(url, {"action": "attach", "title": "x", "file": _upload(PDF)}).status_code
        == 403
    )
    assert MeetingAttachment.objects.count() == 1
    assert not AuditEvent.objects.filter(action="selfgov.attachment.downloaded").exists()


def test_audit_events(client_as, cast, convene):
    meeting = convene()
    client = client_as("clerk_a")
    client.post(
        reverse("selfgov:meeting", args=[meeting.pk]),
        {"action": "attach", "title": "村民签到表", "file": _upload(PNG, "s.png", "image/png")},
    )
    attachment = MeetingAttachment.objects.get()
    added = AuditEvent.objects.get(action="selfgov.attachment.added")
    assert added.actor_id == cast.clerk_a.pk and added.object_id == str(attachment.pk)
    assert added.outcome == AuditEvent.Outcome.SUCCESS
    assert added.detail == {
        "meeting": meeting.pk,
        "content_type": "image/png",
        "size": len(PNG),
        "sha256": hashlib.sha256(PNG).hexdigest(),
    }
    client_as("township_officer").get(reverse("selfgov:meeting_attachment", args=[attachment.pk]))
    read = AuditEvent.objects.get(action="selfgov.attachment.downloaded")
    assert read.actor_id == cast.township_officer.pk and read.object_id == str(attachment.pk)
    assert read.detail == {"meeting": meeting.pk}


def test_minutes_list_attachment_titles(cast, clerk_j, convene):
    meeting = convene()
    assert "附件" not in build_minutes(meeting).text()
    for title in ("会议通知", "村民签到表"):
        svc.attachment_add(
            actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, title=title,
            upload=_upload(PDF),
        )  # fmt: skip
    text = build_minutes(meeting).text()
    assert "附件" in text and "1. 会议通知\n2. 村民签到表" in text


QUERIES_CONVENED = 12  # session, roles, nav, meeting, agenda, attachments … (no sign-in panel)


@pytest.mark.parametrize("n", [1, 4])
def test_detail_query_count_does_not_grow_with_attachments(
    client_as, cast, clerk_j, convene, django_assert_num_queries, n
):
    meeting = convene()
    for i in range(n):
        svc.attachment_add(
            actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, title=f"附件{i}",
            upload=_upload(PDF),
        )  # fmt: skip
    client = client_as("clerk_a")
    url = reverse("selfgov:meeting", args=[meeting.pk])
    client.get(url)
    with django_assert_num_queries(QUERIES_CONVENED):
        r = client.get(url)
    assert r.content.decode().count("data-attachment=") == n


@pytest.mark.browser
def test_clerk_uploads_on_a_phone(browser, server, settings, tmp_path):  # type: ignore[no-untyped-def]
    """A clerk on a 390 px phone attaches a scanned PDF to a meeting; a text file named .pdf is
    refused on the form. Screenshots var/screenshots/selfgov_meetings_attachments_*.png."""
    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.accounts.roles import Role
    from cunshe.core.testing.browser import Watch, screenshots_dir
    from cunshe.core.testing.cast import build_tree
    from cunshe.selfgov.tests.meetings_fixtures import at

    settings.REQUIRE_STAFF_2FA = False
    regions = build_tree()
    clerk = User.objects.create_user(username="clerk_att", password="pw-attach-12345678")
    j = RoleAssignment.objects.create(
        user=clerk, role=Role.VILLAGE_CLERK, region=regions["220182102200"]
    ).jurisdiction()
    meeting = svc.meeting_convene(
        actor=clerk, jurisdiction=j, region=regions["220182102200"], kind="villagers",
        title="2026年冬季村民会议", notice_on=at(2026, 11, 1).date(),
        scheduled_at=at(2026, 11, 20), place="村委会会议室", agenda=["修建村东水渠"],
    )  # fmt: skip
    scan, fake = tmp_path / "scan.pdf", tmp_path / "fake.pdf"
    scan.write_bytes(PDF)
    fake.write_bytes(FAKE_PDF)

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    watch = Watch(context, server)
    page = context.new_page()
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", "clerk_att")
    page.fill("input[name=password]", "pw-attach-12345678")
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{server}/gov/meetings/{meeting.pk}/")
    form = page.locator("[data-attachment-form]")
    form.locator("input[name=title]").fill("会议通知（盖章）")
    form.locator("input[name=file]").set_input_files(str(fake))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "文件内容不是PDF、JPG或PNG" in page.locator("[data-attachment-error]").inner_text()
    page.screenshot(
        path=str(screenshots_dir() / "selfgov_meetings_attachments_1_refused.png"), full_page=True
    )
    form = page.locator("[data-attachment-form]")
    form.locator("input[name=file]").set_input_files(str(scan))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-attachment]").count() == 1
    page.screenshot(
        path=str(screenshots_dir() / "selfgov_meetings_attachments_2_listed.png"), full_page=True
    )
    assert watch.foreign() == []
    context.close()
