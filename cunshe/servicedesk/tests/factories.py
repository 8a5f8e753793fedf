"""Building blocks for service-desk tests: catalogue items, the villager's own person, uploads
and applications made through the services (never by writing rows directly)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cunshe.residents.models import Person
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.models import MaterialRequirement, ServiceItem
from cunshe.servicedesk.services import applications as svc

_keys = itertools.count(1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def upload(name: str = "doc.pdf", content: bytes = PDF, content_type: str = "application/pdf"):  # type: ignore[no-untyped-def]
    return SimpleUploadedFile(name, content, content_type=content_type)


def make_item(
    code: str = "T-001",
    *,
    name: str = "最低生活保障申请",
    level: str = "township",
    department: str = "civil_affairs",
    modes: tuple[str, ...] = ("online", "daiban", "lingban", "appointment"),
    promised: int = 5,
    statutory: int = 10,
    materials: tuple[tuple[str, str, bool], ...] = (
        ("居民身份证", "id_card", True),
        ("户口簿", "hukou_book", True),
        ("收入情况说明", "income_statement", False),
    ),
) -> ServiceItem:
    item = ServiceItem.objects.create(
        code=code, name=name, kind="payment", theme="社会救助", department=department,
        level=level, legal_basis="《社会救助暂行办法》", conditions="家庭人均收入低于当地低保标准",
        steps=["申请", "审核", "审批"], promised_days=promised, statutory_days=statutory,
        visits=0, modes=list(modes),
    )  # fmt: skip
    for i, (mname, doc_type, required) in enumerate(materials):
        MaterialRequirement.objects.create(
            item=item, position=i, name=mname, doc_type=doc_type, trust="B", required=required
        )
    return item


def villager_person(cast: Any, register: Any, phone: str = "13800001234") -> Person:
    """The head of household A, linked to the cast's villager account."""
    person = register("张桂兰", date(1968, 5, 1), sex="F", relationship="02", phone=phone)
    person.account = cast.villager
    person.save(update_fields=["account"])
    return person


def submit(
    cast: Any,
    applicant: Person,
    item: ServiceItem,
    *,
    by: str = "clerk_a",
    mode: str = "daiban",
    key: str | None = None,
    **kwargs: Any,
):  # type: ignore[no-untyped-def]
    user = cast.users[by]
    if mode == "daiban":
        kwargs.setdefault("authorised_on", timezone.localdate())
        kwargs.setdefault("authorisation", upload("weituo.pdf"))
    if mode == "lingban":
        kwargs.setdefault("accompanied_at", timezone.now() - timedelta(hours=1))
        kwargs.setdefault("accompanied_place", "闵家镇便民服务中心")
    return svc.application_submit(
        actor=user,
        jurisdiction=jurisdiction_of(user),
        item=item,
        applicant=applicant,
        mode=mode,
        idempotency_key=key or f"k{next(_keys)}",
        **kwargs,
    )


def act(cast: Any, application, action: str, *, by: str = "township_officer", **kwargs: Any):  # type: ignore[no-untyped-def]
    user = cast.users[by]
    return svc.application_act(
        actor=user, jurisdiction=jurisdiction_of(user), application=application, action=action,
        **kwargs,
    )  # fmt: skip
