"""The villager's 志愿与积分 hub on the phone layout: one page linking what each part offers
(the parts add their links to HUB_LINKS' URL names; a page not built yet is left out)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cunshe.core.access import require_jurisdiction

# (label, URL name, permission, icon)
HUB_LINKS = [
    (_("我的志愿服务"), "volunteering:my_record", "volunteering.participate", "person-heart"),
    (_("报名参加活动"), "volunteering:my_activities", "volunteering.participate", "calendar-event"),
    (_("我的班次"), "volunteering:my_shifts", "volunteering.participate", "clock"),
    (_("服务邀请"), "volunteering:my_matches", "volunteering.participate", "hand-index"),
    (_("申请志愿服务"), "volunteering:my_requests", "volunteering.participate", "house-heart"),
    (_("我家的积分"), "volunteering:my_points", "points.participate", "award"),
    (_("爱心超市"), "volunteering:my_store", "points.participate", "shop"),
]


@login_required
@require_GET
def my_home(request: HttpRequest) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    links = []
    for label, name, perm, icon in HUB_LINKS:
        if not j.has_perm(perm):
            continue
        try:
            links.append({"label": label, "url": reverse(name), "icon": icon})
        except NoReverseMatch:
            continue
    return render(request, "volunteering/me_home.html", {"links": links})


urlpatterns = [path("me/", my_home, name="my_home")]
