"""Pages of the points store (爱心超市, docs/volunteering/store.md): the desk (stores, goods,
stock-in, stocktake, donors), the counter (card token → account → goods → redeem), redemption
reversal, monthly statements with .xlsx exports, and the villager's store on the phone.

points.view reads; points.store writes; 404 outside the jurisdiction, 403 inside without the
permission (core.access)."""

from __future__ import annotations

import io
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.audit import audit
from cunshe.core.spreadsheets import inert
from cunshe.residents.models import Household
from cunshe.selfgov.views.matters import villages_of
from cunshe.volunteering.forms_store import (
    AdjustForm,
    DonorForm,
    ItemForm,
    ReverseForm,
    StockInForm,
    StoreForm,
)
from cunshe.volunteering.models import Donor, PointsAccount, StockMovement, Store
from cunshe.volunteering.selectors import store as sel
from cunshe.volunteering.selectors.points import villager_memo
from cunshe.volunteering.services import store as svc
from cunshe.web.forms import call_into_form

VIEW, STORE = sel.VIEW, sel.STORE
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STALE = {svc.StaleEdit: _("别人刚刚修改了这个商品，请刷新后再改。")}


def _j(request: HttpRequest, perm: str = VIEW):  # type: ignore[no-untyped-def]
    return require_perm(request.jurisdiction, perm)  # type: ignore[attr-defined]


# --- desk -----------------------------------------------------------------------------------


@login_required
@require_GET
def store_desk(request: HttpRequest) -> HttpResponse:
    j = _j(request)
    stores = list(sel.stores_for(j)[:100])
    context = {"stores": stores, "can_store": j.has_perm(STORE), "form": StoreForm()}
    return render(request, "volunteering/store_desk.html", context)


@login_required
@require_POST
def store_new(request: HttpRequest) -> HttpResponse:
    j = _j(request, STORE)
    villages = villages_of(j)
    form = StoreForm(request.POST)
    if form.is_valid() and villages:
        row = call_into_form(form, svc.store_create, actor=request.user, jurisdiction=j,
                             village=villages[0], name=form.cleaned_data["name"],
                             address=form.cleaned_data["address"],
                             opening_hours=form.cleaned_data["opening_hours"])  # fmt: skip
        if row is not None:
            messages.success(request, _("已新建爱心超市。"))
            return redirect("volunteering:store_detail", pk=row.pk)
    elif not villages:
        form.add_error(None, _("只有村干部可以新建本村的爱心超市。"))
    context = {"stores": list(sel.stores_for(j)[:100]), "can_store": True, "form": form}
    return render(request, "volunteering/store_desk.html", context, status=400)


def _detail_page(request, j, store, status=200, **forms):  # type: ignore[no-untyped-def]
    items = sel.items_of(store)
    donors = list(Donor.objects.within(j).filter(region_code=store.region_code).order_by("name"))
    context = {
        "store": store,
        "goods": items,
        "moves": sel.recent_moves(store),
        "redemptions": sel.redemptions_of(store),
        "can_store": j.has_perm(STORE) and j.covers(store.region_code),
        "store_form": forms.get("store_form") or StoreForm(initial={
            "name": store.name, "address": store.address,
            "opening_hours": store.opening_hours, "active": store.active}),
        "item_form": forms.get("item_form") or ItemForm(),
        "stock_form": forms.get("stock_form") or StockInForm(items=items, donors=donors),
        "adjust_form": forms.get("adjust_form") or AdjustForm(items=items),
        "month": timezone.localdate().strftime("%Y-%m"),
    }  # fmt: skip
    return render(request, "volunteering/store_detail.html", context, status=status)


@login_required
@require_GET
def store_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    return _detail_page(request, j, sel.get_store_for(j, pk))


@login_required
@require_POST
def store_edit(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    store = sel.get_store_for(j, pk, need=STORE)
    form = StoreForm(request.POST)
    if form.is_valid() and call_into_form(
        form, svc.store_update, actor=request.user, jurisdiction=j, store=store,
        **form.cleaned_data,
    ):  # fmt: skip
        messages.success(request, _("已保存。"))
        return redirect("volunteering:store_detail", pk=store.pk)
    return _detail_page(request, j, store, status=400, store_form=form)


@login_required
@require_POST
def item_new(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    store = sel.get_store_for(j, pk, need=STORE)
    form = ItemForm(request.POST)
    if form.is_valid() and call_into_form(
        form, svc.item_create, actor=request.user, jurisdiction=j, store=store,
        name=form.cleaned_data["name"], unit=form.cleaned_data["unit"],
        price_points=form.cleaned_data["price_points"],
    ):  # fmt: skip
        messages.success(request, _("已添加商品。"))
        return redirect("volunteering:store_detail", pk=store.pk)
    return _detail_page(request, j, store, status=400, item_form=form)


@login_required
@require_POST
def stock_in(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    store = sel.get_store_for(j, pk, need=STORE)
    items = sel.items_of(store)
    donors = list(Donor.objects.within(j).filter(region_code=store.region_code))
    form = StockInForm(request.POST, items=items, donors=donors)
    if form.is_valid():
        d = form.cleaned_data
        item = next(i for i in items if i.pk == d["item"])
        donor = next((x for x in donors if x.pk == d["donor"]), None)
        try:
            if d["kind"] == StockMovement.Kind.DONATION and donor is None and d["donor_name"]:
                donor = svc.donor_create(
                    actor=request.user, jurisdiction=j, village=store.region,
                    name=d["donor_name"], kind=d["donor_kind"] or Donor.Kind.PERSON,
                    phone=d["donor_phone"], public=d["donor_public"],
                )  # fmt: skip
            svc.stock_in(actor=request.user, jurisdiction=j, item=item, kind=d["kind"],
                         quantity=d["quantity"], cost_yuan=d["cost_yuan"], donor=donor,
                         reason=d["reason"])  # fmt: skip
        except ValidationError as exc:
            call_into_form(form, _raise, exc=exc)
        else:
            messages.success(request, _("已入库。"))
            return redirect("volunteering:store_detail", pk=store.pk)
    return _detail_page(request, j, store, status=400, stock_form=form)


def _raise(*, exc: Exception) -> None:
    raise exc


@login_required
@require_POST
def stock_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    store = sel.get_store_for(j, pk, need=STORE)
    items = sel.items_of(store)
    form = AdjustForm(request.POST, items=items)
    if form.is_valid():
        item = next(i for i in items if i.pk == form.cleaned_data["item"])
        if call_into_form(form, svc.stock_adjust, actor=request.user, jurisdiction=j, item=item,
                          delta=form.cleaned_data["delta"],
                          reason=form.cleaned_data["reason"]):  # fmt: skip
            messages.success(request, _("已调整库存。"))
            return redirect("volunteering:store_detail", pk=store.pk)
    return _detail_page(request, j, store, status=400, adjust_form=form)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    item = sel.get_item_for(j, pk, need=STORE if request.method == "POST" else VIEW)
    form = ItemForm(request.POST or None, initial={
        "name": item.name, "unit": item.unit, "price_points": item.price_points,
        "active": item.active, "version": item.version})  # fmt: skip
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            row = call_into_form(form, svc.item_update, refusals=STALE, actor=request.user,
                                 jurisdiction=j, item=item, version=d["version"] or 0,
                                 name=d["name"], unit=d["unit"],
                                 price_points=d["price_points"], active=d["active"])  # fmt: skip
            if row is not None:
                messages.success(request, _("已保存商品。"))
                return redirect("volunteering:store_detail", pk=item.store_id)
            if any(str(STALE[svc.StaleEdit]) in e for e in form.non_field_errors()):
                status = 409
    context = {"item": item, "form": form, "can_store": j.has_perm(STORE)}
    return render(request, "volunteering/store_item.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def donors(request: HttpRequest) -> HttpResponse:
    j = _j(request)
    form = DonorForm(request.POST or None)
    status = 200
    if request.method == "POST":
        j = _j(request, STORE)
        villages = villages_of(j)
        status = 400
        if not villages:
            form.add_error(None, _("只有村干部可以登记捐赠人。"))
        elif form.is_valid() and call_into_form(form, svc.donor_create, actor=request.user,
                                                jurisdiction=j, village=villages[0],
                                                **form.cleaned_data):  # fmt: skip
            messages.success(request, _("已登记捐赠人。"))
            return redirect("volunteering:store_donors")
    rows = list(sel.donors_for(j)[:500])
    context = {"rows": rows, "form": form, "can_store": j.has_perm(STORE)}
    return render(request, "volunteering/store_donors.html", context, status=status)


# --- the counter ----------------------------------------------------------------------------


def _counter_goods(store: Store, wanted: dict[int, str] | None = None) -> list[dict]:
    return [
        {"item": i, "qty": (wanted or {}).get(i.pk, "")}
        for i in sel.items_of(store, active_only=True)
    ]


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    store = sel.get_store_for(j, pk, need=STORE)
    account: PointsAccount | None = None
    no_account: Household | None = None
    results: list[dict] = []
    error = ""
    status = 200
    source = request.POST if request.method == "POST" else request.GET
    wanted: dict[int, str] = {}
    if source.get("account"):
        try:
            account = sel.get_account_for(j, int(source["account"]), need=STORE)
        except (TypeError, ValueError):
            raise Http404 from None
    elif request.GET.get("token"):
        account = sel.account_by_token(j, request.GET["token"])
        audit("points.counter.card_read", jurisdiction=j, obj=account,
              detail={"found": account is not None})  # fmt: skip
        if account is None:
            error, status = _("没有找到这张积分卡（卡号无效、已重置，或不属于本辖区）。"), 404
        else:
            return redirect(reverse("volunteering:store_counter", args=[store.pk])
                            + f"?account={account.pk}")  # fmt: skip
    elif request.GET.get("household"):
        try:
            household = Household.objects.within(j).get(pk=int(request.GET["household"]))
        except (ValueError, Household.DoesNotExist):
            raise Http404 from None
        # A GET creates nothing: a household that never earned has no account yet (balance 0).
        account = sel.existing_household_account(household.pk)
        if account is not None:
            return redirect(reverse("volunteering:store_counter", args=[store.pk])
                            + f"?account={account.pk}")  # fmt: skip
        no_account = household
    elif request.GET.get("q"):
        results = sel.households_search(j, request.GET["q"])
    if request.method == "POST":
        if account is None:
            raise Http404
        for key, value in request.POST.items():
            if key.startswith("qty_") and key[4:].isdigit() and value.strip():
                wanted[int(key[4:])] = value.strip()
        try:
            row = svc.redeem(actor=request.user, jurisdiction=j, store=store, account=account,
                             lines=list(wanted.items()),
                             request_key=request.POST.get("request_key", ""))  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(getattr(exc, "messages", [str(exc)]))
            status = 400
            account.refresh_from_db()
        else:
            messages.success(request, _("兑换成功：%(n)s 积分。") % {"n": row.points})
            return redirect(reverse("volunteering:store_counter", args=[store.pk])
                            + f"?account={account.pk}&done={row.pk}")  # fmt: skip
    done = None
    if account is not None and request.method == "GET" and request.GET.get("done", "").isdigit():
        done = (
            sel.Redemption._base_manager.filter(pk=int(request.GET["done"]), account=account)
            .prefetch_related("lines__item")
            .first()
        )
    context = {
        "store": store, "account": account, "results": results, "error": error,
        "label": sel.account_label(account) if account else "",
        "no_account": no_account,
        "no_account_label": sel.household_label(no_account) if no_account else "",
        "goods": _counter_goods(store, wanted) if account else [],
        "request_key": uuid.uuid4().hex, "done": done,
        "query": request.GET.get("q", ""),
    }  # fmt: skip
    return render(request, "volunteering/store_counter.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def redemption_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    row = sel.get_redemption_for(j, pk)
    form = ReverseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if not (j.has_perm(STORE) or j.has_perm(svc.APPROVE)):
            raise PermissionDenied(STORE)
        if form.is_valid() and call_into_form(form, svc.redemption_reverse, actor=request.user,
                                              jurisdiction=j, redemption=row,
                                              reason=form.cleaned_data["reason"]):  # fmt: skip
            messages.success(request, _("已撤销兑换，积分和商品已退回。"))
            return redirect("volunteering:store_redemption", pk=row.pk)
    context = {
        "r": row, "lines": sel.lines_of(row), "form": form,
        "label": sel.account_label(row.account), "can_reverse": svc.can_reverse(j, row),
    }  # fmt: skip
    return render(request, "volunteering/store_redemption.html", context, status=status)


# --- statements -----------------------------------------------------------------------------


def _xlsx(title: str, header: list[str], rows: list[list], name: str) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append([WriteOnlyCell(sheet, value=inert(h)) for h in header])
    for r in rows:
        sheet.append([WriteOnlyCell(sheet, value=inert(v)) for v in r])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _account_rows(st: sel.AccountStatement) -> list[list]:
    rows: list[list] = [["", _("期初余额"), "", "", st.opening]]
    for r in st.rows:
        at = timezone.localtime(r["at"]).strftime("%Y-%m-%d %H:%M")
        rows.append([at, r["memo"], str(r["kind_label"]), r["points"], r["balance"]])
    rows.append(["", _("期末余额"), "", "", st.closing])
    return rows


def _account_statement_response(request, j, account, month, template, xlsx, villager=False):  # type: ignore[no-untyped-def]
    st = sel.account_statement(account, month)
    if villager:
        for r in st.rows:
            r["memo"] = villager_memo(r["memo"])
    label = sel.account_label(account, masked=False)
    if xlsx:
        audit("points.statement.exported", jurisdiction=j, obj=account,
              detail={"month": st.first.strftime("%Y-%m"), "kind": "account"})  # fmt: skip
        header = [_("时间"), _("摘要"), _("类别"), _("积分"), _("余额")]
        return _xlsx(_("积分对账单"), header, _account_rows(st),
                     f"points-{account.pk}-{st.first:%Y-%m}.xlsx")  # fmt: skip
    context = {"st": st, "label": label, "month": st.first.strftime("%Y-%m"), "account": account}
    return render(request, template, context)


@login_required
@require_GET
def account_statement(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    account = sel.get_account_for(j, pk)
    return _account_statement_response(
        request, j, account, request.GET.get("month"), "volunteering/store_account_statement.html",
        request.GET.get("format") == "xlsx",
    )  # fmt: skip


@login_required
@require_GET
def store_statement(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    store = sel.get_store_for(j, pk)
    st = sel.store_statement(store, request.GET.get("month"))
    if request.GET.get("format") == "xlsx":
        audit("points.statement.exported", jurisdiction=j, obj=store,
              detail={"month": st.first.strftime("%Y-%m"), "kind": "store"})  # fmt: skip
        header = [_("商品"), _("单位"), _("期初库存"), _("采购入库"), _("捐赠入库"),
                  _("兑换出库"), _("兑换撤销"), _("盘点调整"), _("期末库存")]  # fmt: skip
        rows = [[r["item"].name, r["item"].unit, r["opening"], r["purchase"], r["donation"],
                 r["redemption"], r["reversal"], r["adjustment"], r["closing"]]
                for r in st.items]  # fmt: skip
        rows.append([])
        rows.append([_("收到积分"), "", st.points_in])
        rows.append([_("撤销退回积分"), "", st.points_reversed])
        rows.append([_("兑换笔数"), "", st.redemptions])
        rows.append([_("采购金额（元）"), "", st.cost_yuan])
        return _xlsx(_("爱心超市月报"), header, rows, f"store-{store.pk}-{st.first:%Y-%m}.xlsx")
    context = {"st": st, "store": store, "month": st.first.strftime("%Y-%m")}
    return render(request, "volunteering/store_statement.html", context)


# --- villager -------------------------------------------------------------------------------


@login_required
@require_GET
def my_store(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.PARTICIPATE)  # type: ignore[attr-defined]
    household, account = sel.own_household_account(j)
    village = household.village_code if household else j.root_code[:12]
    balance = account.balance if account else 0
    goods = [
        {"item": i, "affordable": i.stock > 0 and i.price_points <= balance}
        for i in sel.catalogue(village)
    ]
    context = {"household": household, "balance": balance, "goods": goods,
               "stores": sel.village_stores(village)}  # fmt: skip
    return render(request, "volunteering/my_store.html", context)


@login_required
@require_GET
def my_store_statement(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.PARTICIPATE)  # type: ignore[attr-defined]
    household, account = sel.own_household_account(require_jurisdiction(j))
    if account is None:
        return render(request, "volunteering/my_store_statement.html",
                      {"st": None, "household": household})  # fmt: skip
    return _account_statement_response(
        request, j, account, request.GET.get("month"), "volunteering/my_store_statement.html",
        False, villager=True,
    )  # fmt: skip


urlpatterns = [
    path("store/", store_desk, name="store_desk"),
    path("store/new/", store_new, name="store_new"),
    path("store/donors/", donors, name="store_donors"),
    path("store/<int:pk>/", store_detail, name="store_detail"),
    path("store/<int:pk>/edit/", store_edit, name="store_edit"),
    path("store/<int:pk>/items/new/", item_new, name="store_item_new"),
    path("store/<int:pk>/stock-in/", stock_in, name="store_stock_in"),
    path("store/<int:pk>/adjust/", stock_adjust, name="store_adjust"),
    path("store/<int:pk>/counter/", counter, name="store_counter"),
    path("store/<int:pk>/statement/", store_statement, name="store_statement"),
    path("store/items/<int:pk>/", item_edit, name="store_item"),
    path("store/redemptions/<int:pk>/", redemption_detail, name="store_redemption"),
    path("store/accounts/<int:pk>/statement/", account_statement, name="store_account_statement"),
    path("me/store/", my_store, name="my_store"),
    path("me/store/statement/", my_store_statement, name="my_store_statement"),
]
