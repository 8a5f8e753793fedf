"""Every refusal answers {code, message, fields}, with the message in the caller's language."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError
from django.test import RequestFactory
from django.utils import translation

from cunshe.accounts.models import RoleAssignment
from cunshe.api.api import api

pytestmark = pytest.mark.django_db


def _shape(response) -> dict:
    body = response.json() if hasattr(response, "json") else json.loads(response.content)
    assert set(body) == {"code", "message", "fields"}
    assert isinstance(body["message"], str) and body["message"]
    return body


def _handled(exc: Exception, language: str = "zh-hans") -> tuple[int, dict]:
    request = RequestFactory().get("/api/v1/anything")
    with translation.override(language):
        response = api.on_exception(request, exc)
    return response.status_code, json.loads(response.content)


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-hans", "没有找到该资源，或您无权查看。"), ("en", "Not found, or you may not see it.")],
)
def test_404_in_both_languages(cast, client_as, language, message):
    response = client_as("clerk_a").delete(
        "/api/v1/me/tokens/987654", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 404
    assert _shape(response) == {"code": "not_found", "message": message, "fields": {}}


def test_unknown_api_paths_answer_404_in_the_shape(client):
    response = client.get("/api/v1/no/such/thing", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert _shape(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "请先登录，或在 Authorization 头中提供有效的访问令牌。"),
        ("en", "Sign in first, or send a valid access token in the Authorization header."),
        ("ko", "먼저 로그인하거나 Authorization 헤더에 유효한 액세스 토큰을 보내십시오."),
    ],
)
def test_401_in_each_language(client, language, message):
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 401
    assert _shape(response)["message"] == message


@pytest.mark.parametrize(
    ("language", "message", "required"),
    [
        ("zh-hans", "提交的内容有误，请检查后重试。", "此项为必填项。"),
        (
            "en",
            "Some of what you sent is not valid. Check it and try again.",
            "This field is required.",
        ),
    ],
)
def test_422_names_the_fields_in_the_callers_language(cast, client_as, language, message, required):
    response = client_as("clerk_a").post(
        "/api/v1/me/tokens",
        {"assignment_id": "abc"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 422
    body = _shape(response)
    assert body["code"] == "invalid"
    assert body["message"] == message
    assert body["fields"]["name"] == [required]
    assert set(body["fields"]) == {"name", "assignment_id"}


def test_400_for_a_body_that_is_not_json(cast, client_as):
    response = client_as("clerk_a").post(
        "/api/v1/me/tokens", "not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert _shape(response) == {
        "code": "bad_request",
        "message": "请求内容不是有效的 JSON 对象。",
        "fields": {},
    }


def test_422_for_a_bad_query_parameter(cast, client_as):
    response = client_as("clerk_a").get("/api/v1/me/tokens?page=0", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert _shape(response)["fields"] == {"page": ["Must be at least 1."]}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "此操作只能在登录后的浏览器中进行，不能使用访问令牌。"),
        ("en", "This action needs a signed-in browser session; access tokens cannot do it."),
    ],
)
def test_403_in_both_languages(cast, make_token, bearer, language, message):
    token, secret = make_token("clerk_a")
    response = bearer(secret, HTTP_ACCEPT_LANGUAGE=language).post(
        "/api/v1/me/tokens",
        {"name": "x", "assignment_id": token.assignment_id},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert _shape(response) == {"code": "session_required", "message": message, "fields": {}}


def test_token_callers_without_accept_language_get_their_own_language(cast, make_token, bearer):
    cast.clerk_a.language = "en"
    cast.clerk_a.save(update_fields=["language"])
    _token, secret = make_token("clerk_a")
    response = bearer(secret).delete("/api/v1/me/tokens/987654")
    assert response.json()["message"] == "Not found, or you may not see it."


def test_permission_names_become_a_sentence(cast):
    status, body = _handled(PermissionDenied("regions.manage_groups"), "en")
    assert status == 403
    assert body == {
        "code": "permission_denied",
        "message": "You do not have permission to do this.",
        "fields": {},
    }


def test_a_services_own_refusal_sentence_is_kept(cast):
    status, body = _handled(PermissionDenied("不能给自己授予角色。"))
    assert (status, body["message"]) == (403, "不能给自己授予角色。")


def test_service_validation_errors_become_400_with_fields(cast):
    status, body = _handled(ValidationError({"username": ["该用户名已被使用。"]}))
    assert status == 400
    assert body == {
        "code": "invalid",
        "message": "提交的内容有误，请检查后重试。",
        "fields": {"username": ["该用户名已被使用。"]},
    }
    status, body = _handled(ValidationError("系统、安全、审计三个管理员角色不能由同一人兼任。"))
    assert body["message"] == "系统、安全、审计三个管理员角色不能由同一人兼任。"
    assert body["fields"] == {"__all__": ["系统、安全、审计三个管理员角色不能由同一人兼任。"]}


def test_missing_rows_become_404(cast):
    status, body = _handled(RoleAssignment.DoesNotExist("RoleAssignment matching query"))
    assert (status, body["code"]) == (404, "not_found")
    assert "RoleAssignment" not in body["message"]
    assert _handled(ObjectDoesNotExist())[0] == 404


def test_integrity_errors_become_409(cast):
    status, body = _handled(IntegrityError("UNIQUE constraint failed: accounts_user.username"))
    assert (status, body["code"]) == (409, "conflict")
    assert "accounts_user" not in body["message"]


def test_unexpected_errors_become_500_without_a_traceback(cast):
    status, body = _handled(RuntimeError("db password is hunter2"), "en")
    assert status == 500
    assert body["code"] == "server_error"
    assert "hunter2" not in body["message"] and "Traceback" not in body["message"]
    assert body["message"].startswith("Internal server error.")
