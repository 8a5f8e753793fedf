"""Fixtures of the records part: the volunteers' fixtures plus `issued`, a certificate of
张三丰's 120 approved minutes (of one activity) issued by clerk_a."""

from __future__ import annotations

import pytest

from cunshe.volunteering.services import certificates as _cert_svc
from cunshe.volunteering.tests.volunteers_fixtures import *  # noqa: F403 (fixtures)

BASE = "http://testserver/"


@pytest.fixture
def issued(cast, clerk_j, vols, activity, approve_hours):  # type: ignore[no-untyped-def]
    approve_hours(vols.zhang, 120, activity)
    return _cert_svc.certificate_issue(
        actor=cast.clerk_a, jurisdiction=clerk_j, volunteer=vols.zhang,
        issuer_name="闵家村志愿服务站", base_url=BASE,
    )  # fmt: skip
