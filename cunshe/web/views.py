from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from cunshe.accounts.roles import Role
from cunshe.web import selectors
from cunshe.web.nav import items_for, tiles_for


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer: the process answers and the database responds."""
    with connection.cursor() as cur:
        cur.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The villager's phone home when the active role is villager, otherwise the staff desk."""
    assignment = request.assignment  # type: ignore[attr-defined]
    jurisdiction = request.jurisdiction  # type: ignore[attr-defined]
    if assignment is not None and assignment.role == Role.VILLAGER:
        return render(request, "web/home_villager.html", {"tiles": tiles_for(jurisdiction)})
    cards = [item for item in items_for(jurisdiction, "desk") if item["url"] != request.path]
    return render(
        request,
        "web/home_desk.html",
        {"breadcrumbs": selectors.assignment_breadcrumbs(assignment), "cards": cards},
    )
