"""The village's public volunteering and points pages — no sign-in, phone first
(docs/volunteering/public.md): /vol/public/<village code>/ links four pages — points posted for
objection, the 爱心超市's goods and donors, top volunteers (with their consent), activities open
for sign-up. Nothing personal is loaded beyond what a village posts on its notice board: a
household is its head's masked name and group; volunteers and donors appear only with consent.
Objecting and signing up happen on the villager's pages after signing in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from cunshe.volunteering.rules import rule
from cunshe.volunteering.selectors import public as selectors


def _villager_link(name: str) -> str:
    """The login-required villager page to act on (the villager hub until that page exists)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return reverse("volunteering:my_home")


def _render(request: HttpRequest, template: str, village, **context) -> HttpResponse:  # type: ignore[no-untyped-def]
    return render(request, template, {"village": village, **context})


@require_GET
def public_home(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.public_village(code)
    return _render(request, "volunteering/public_home.html", village)


@require_GET
def public_points(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.public_village(code)
    return _render(
        request,
        "volunteering/public_points.html",
        village,
        rows=selectors.posted_declarations(village.code),
        posting_days=rule("POINTS_POSTING_DAYS"),
        object_url=_villager_link("volunteering:my_points"),
    )


@require_GET
def public_store(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.public_village(code)
    return _render(
        request,
        "volunteering/public_store.html",
        village,
        items=selectors.store_items(village.code),
        donors=selectors.public_donors(village.code),
    )


@require_GET
def public_volunteers(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.public_village(code)
    return _render(
        request,
        "volunteering/public_volunteers.html",
        village,
        rows=selectors.top_volunteers(village.code),
        year=timezone.localdate().year,
    )


@require_GET
def public_activities(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.public_village(code)
    return _render(
        request,
        "volunteering/public_activities.html",
        village,
        rows=selectors.open_activities(village.code),
        signup_url=_villager_link("volunteering:my_activities"),
    )


urlpatterns = [
    path("public/<str:code>/", public_home, name="public_home"),
    path("public/<str:code>/points/", public_points, name="public_points"),
    path("public/<str:code>/store/", public_store, name="public_store"),
    path("public/<str:code>/volunteers/", public_volunteers, name="public_volunteers"),
    path("public/<str:code>/activities/", public_activities, name="public_activities"),
]
