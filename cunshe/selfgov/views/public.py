"""The village's public 村务公开 pages — no sign-in: a chooser of villages, the village's items by
category (newest first) with its 四议两公开 matters and their progress, an item with its
questions and answers, a matter's six steps. Nothing personal is loaded: no asker, no publisher,
no names, ID numbers, phones or addresses. A signed-in villager of the village may ask a
question on an item (the committee answers publicly; the asker is never shown)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cunshe.core.access import require_jurisdiction
from cunshe.regions.models import Level
from cunshe.selfgov.forms_disclosure import QuestionForm
from cunshe.selfgov.models import DisclosureCategory
from cunshe.selfgov.selectors import disclosure as selectors
from cunshe.selfgov.selectors.matters import progress
from cunshe.selfgov.services import disclosure as services
from cunshe.web.forms import call_into_form


def _page(raw: str | None) -> int:
    if raw and raw.isdigit() and len(raw) < 6:
        return max(1, int(raw))
    return 1


def _may_ask(request: HttpRequest, code: str) -> bool:
    j = getattr(request, "jurisdiction", None)
    return j is not None and j.has_perm(services.PARTICIPATE) and j.covers(code)


@require_GET
def villages(request: HttpRequest) -> HttpResponse:
    region, children = selectors.chooser(request.GET.get("in", ""))
    return render(
        request,
        "selfgov/public_villages.html",
        {"region": region, "children": children, "villages_level": region.level == Level.TOWNSHIP},
    )


@require_GET
def village_disclosures(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.public_village(code)
    category = request.GET.get("category", "")
    page = _page(request.GET.get("page"))
    if page > selectors.MAX_PAGE:
        raise Http404
    items, more = selectors.public_items(village.code, category=category, page=page)
    matters = selectors.public_matters(village.code) if page == 1 and not category else []
    return render(
        request,
        "selfgov/public_disclosures.html",
        {
            "village": village,
            "rows": items,
            "more": more,
            "page": page,
            "category": category,
            "categories": DisclosureCategory.choices,
            "matters": [(m, progress(m)) for m in matters],
        },
    )


def _item_page(request, village, item, form=None, status=200):  # type: ignore[no-untyped-def]
    may_ask = _may_ask(request, village.code)
    return render(
        request,
        "selfgov/public_item.html",
        {
            "village": village,
            "item": item,
            "questions": selectors.public_questions(item),
            "corrections": selectors.public_corrections(village.code, item),
            "may_ask": may_ask,
            "form": form or (QuestionForm() if may_ask else None),
            "signed_in": request.user.is_authenticated,
        },
        status=status,
    )


@require_GET
def item_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    village = selectors.public_village(code)
    return _item_page(request, village, selectors.public_item(village.code, pk))


@login_required
@require_POST
def item_ask(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    village = selectors.public_village(code)
    item = selectors.public_item(village.code, pk)
    if not _may_ask(request, village.code):
        raise PermissionDenied(_("只有本村村民可以对本村的公开提问。"))
    form = QuestionForm(request.POST)
    if form.is_valid() and call_into_form(
        form, services.question_ask, actor=request.user, jurisdiction=j, disclosure=item,
        question=form.cleaned_data["question"],
    ):  # fmt: skip
        messages.success(request, _("已提交，村委会答复后会在本页公开，并通知您。"))
        return redirect("selfgov:public_item", code=village.code, pk=item.pk)
    return _item_page(request, village, item, form=form, status=400)


@require_GET
def matter_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    village = selectors.public_village(code)
    matter = selectors.public_matter(village.code, pk)
    return render(
        request,
        "selfgov/public_matter.html",
        {"village": village, "matter": matter, "progress": progress(matter)},
    )


urlpatterns = [
    path("villages/", villages, name="public_villages"),
    path("villages/<str:code>/disclosures/", village_disclosures, name="public_disclosures"),
    path("villages/<str:code>/disclosures/<int:pk>/", item_detail, name="public_item"),
    path("villages/<str:code>/disclosures/<int:pk>/ask/", item_ask, name="public_ask"),
    path("villages/<str:code>/matters/<int:pk>/", matter_detail, name="public_matter"),
]
