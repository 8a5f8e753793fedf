"""The interactive API reference at /api/v1/docs, served without any external request.

Swagger UI's files come from Ninja's own static folder; the start-up code is a static file of
ours (the CSP forbids inline script), and the online spec validator badge, which would call
validator.swagger.io, is switched off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import DocsBase

if TYPE_CHECKING:
    from ninja import NinjaAPI


class LocalSwagger(DocsBase):
    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            # An API URL answers 401, not a redirect; the page still offers the way to sign in.
            login = f"{reverse(settings.LOGIN_URL)}?next={request.path}"
            return render(request, "api/docs_login.html", {"login_url": login}, status=401)
        return render(
            request,
            "api/docs.html",
            {"api": api, "openapi_url": self.get_openapi_url(api, kwargs)},
        )
