"""Open311 GeoReport v2 for 随手拍, at /open311/v2/, in XML and JSON, with mySociety's
GET servicerequestupdates extension.

Field and element names are the published spec's; a client written against the spec works
unchanged. How our data maps onto it:

- a service is a ReportCategory (service_code = its code); no service has attributes;
- a service request is a public ProblemReport; service_request_id is its 12-character number;
- jurisdiction_id, when digits, is a region code: on GET it narrows the results to that subtree,
  on POST it names the village (or group) the problem is in — required when the client's key is
  bound to a region above a village;
- status is open (open, acknowledged, in progress) or closed (resolved, closed without action);
  status_notes carries the latest public note, and the updates feed tells "fixed" apart from
  "no_further_action" with mySociety's extended states;
- the reporter's name, phone and e-mail are stored encrypted and never returned; photos are not
  published (media_url is empty), and a media_url a client sends is never fetched.

The POST answers with both service_request_id and token: realtime clients read the id, batch
clients follow the token; neither is confused by the other element.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from cunshe.regions.models import Level, Region
from cunshe.servicedesk.models import ProblemReport, ReportCategory, ReportUpdate
from cunshe.servicedesk.rules import rule
from cunshe.servicedesk.selectors import reports as selectors
from cunshe.servicedesk.services import reports as services

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-05-01 00:00"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# XML needs a name for each item of a list; JSON (the Spark convention) drops it.
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}

# mySociety's extended states for the updates feed (lower case, as FixMyStreet reads them).
UPDATE_STATUS = {
    ProblemReport.State.OPEN: "open",
    ProblemReport.State.ACKNOWLEDGED: "investigating",
    ProblemReport.State.IN_PROGRESS: "in_progress",
    ProblemReport.State.RESOLVED: "fixed",
    ProblemReport.State.CLOSED_NO_ACTION: "no_further_action",
}


class Open311Error(Exception):
    """Answered as the spec's <errors><error><code/><description/></error></errors>."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(status)
        self.status = status
        self.descriptions = descriptions or (_("请求无法处理。"),)


# --- rendering -----------------------------------------------------------------------------------


# Characters XML 1.0 does not allow at all (C0 controls but tab, newline and carriage return;
# surrogates; U+FFFE and U+FFFF). Descriptions may hold them (a pasted form feed); in an element
# they would make the whole document unreadable to every client, so XML leaves them out.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _element(name: str, value: Any) -> ET.Element:
    element = ET.Element(name)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list):
        item = ITEM_NAMES[name]
        for child in value:
            element.append(_element(item, child))
    else:
        element.text = _text(value)
    return element


def render(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    """`data` (a list for list resources, a dict otherwise) as XML under `root`, or as JSON."""
    if fmt == "xml":
        body = ET.tostring(_element(root, data), encoding="unicode")
        content = '<?xml version="1.0" encoding="utf-8"?>\n' + body
    else:
        content = json.dumps(data, ensure_ascii=False)
    response = HttpResponse(content.encode("utf-8"), content_type=CONTENT_TYPES[fmt], status=status)
    response["Access-Control-Allow-Origin"] = "*"  # public data; POST needs a key regardless
    return response


def _errors(fmt: str, error: Open311Error) -> HttpResponse:
    rows = [{"code": error.status, "description": d} for d in error.descriptions]
    response = render(fmt, "errors", rows, status=error.status)
    if error.status == 429:
        response["Retry-After"] = "60"
    return response


def endpoint(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
    """Turn Open311Error, ValidationError, PermissionDenied and Http404 into the spec's error
    list with the matching HTTP status (400, 403, 404)."""

    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return _errors(fmt, exc)
        except ValidationError as exc:
            return _errors(fmt, Open311Error(400, *[str(m) for m in exc.messages]))
        except PermissionDenied as exc:
            return _errors(fmt, Open311Error(403, str(exc) or _("没有权限。")))
        except Http404:
            return _errors(fmt, Open311Error(404, _("没有找到。")))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# --- parsing -------------------------------------------------------------------------------------


def _param(source: Any, name: str) -> str:
    value = source.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _list_param(source: Any, *names: str) -> list[str] | None:
    values: list[str] = []
    for name in names:
        for raw in source.getlist(name):
            values += [v.strip() for v in raw.split(",") if v.strip()]
    return values or None


def _when(raw: str, name: str) -> datetime | None:
    """A W3C datetime (a bare date means its start, Beijing time); 400 when unreadable."""
    if not raw:
        return None
    # An unencoded "+08:00" in a query string arrives as " 08:00".
    raw = raw.replace(" ", "+") if "T" in raw else raw
    try:
        value = parse_datetime(raw)
        if value is None:
            day = parse_date(raw)
            value = datetime.combine(day, time.min) if day else None
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(
            400,
            _("%(name)s 不是有效的 W3C 日期时间，例如 2026-05-01T00:00:00+08:00。")
            % {"name": name},
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _jurisdiction_code(source: Any) -> str | None:
    """A region code named by jurisdiction_id; None when absent or not a code (a client may
    send its own name for us, which this single endpoint can ignore); 404 when unknown."""
    raw = _param(source, "jurisdiction_id")
    if not raw or not raw.isdigit():
        return None
    if not raw.startswith(settings.CUNSHE_PROVINCE_CODE) or not (
        Region.objects.filter(code=raw).exists()
    ):
        raise Open311Error(404, _("jurisdiction_id %(id)s 不存在。") % {"id": raw[:20]})
    return raw


# --- rows ----------------------------------------------------------------------------------------


def _status(report: ProblemReport) -> str:
    return "closed" if report.state in services.CLOSED_STATES else "open"


def _coordinate(value: Any) -> float | None:
    return float(value) if value is not None else None


def request_row(report: ProblemReport, names: dict[str, str]) -> dict[str, Any]:
    """One service request in the spec's fields; never the reporter."""
    updates: list[ReportUpdate] = getattr(report, "public_updates", [])
    place = [p for p in (report.address, report.region.name) if p]
    return {
        "service_request_id": report.number,
        "status": _status(report),
        "status_notes": updates[-1].text if updates else None,
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": services.unit_label(report, names),
        "service_notice": None,
        "requested_datetime": services.as_w3(report.created_at),
        "updated_datetime": services.as_w3(report.updated_at),
        "expected_datetime": None,
        "address": ", ".join(place),
        "address_id": None,
        "zipcode": None,
        "lat": _coordinate(report.lat),
        "long": _coordinate(report.lon),
        "media_url": None,
    }


def _service_row(category: ReportCategory) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group,
    }


# --- endpoints -----------------------------------------------------------------------------------


@require_GET
@endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Service discovery: where the v2 endpoint is and how to get a key."""
    base = request.build_absolute_uri(reverse("open311:services", kwargs={"fmt": fmt}))
    data = {
        "changeset": CHANGESET,
        "contact": _("村社通随手拍接口。问题与建议请联系所在县（市、区）的政务服务部门。"),
        "key_service": _("提交问题需要 api_key：请向县级部门申请，由其在“Open311接入”页面生成。"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base.rsplit("/", 1)[0],
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", data)


@require_GET
@endpoint
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET services: the active categories."""
    _jurisdiction_code(request.GET)
    return render(fmt, "services", [_service_row(c) for c in selectors.categories()])


@require_GET
@endpoint
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """GET services/{code}: no category asks for extra attributes."""
    _jurisdiction_code(request.GET)
    category = ReportCategory.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s 不存在。") % {"code": code[:30]})
    return render(fmt, "service_definition", {"service_code": category.code, "attributes": []})


def _posts_per_minute() -> int:
    return int(rule("OPEN311_POSTS_PER_MINUTE"))


def _throttle(client_id: int) -> None:
    """At most N posts a minute per key (a fixed window in the cache)."""
    key = f"open311:post:{client_id}:{int(timezone.now().timestamp() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > _posts_per_minute():
        raise Open311Error(429, _("提交过于频繁，请一分钟后再试。"))


def _post_region(client_region: Region, code: str | None) -> Region:
    if code is None:
        if client_region.level in (Level.VILLAGE, Level.GROUP):
            return client_region
        raise Open311Error(400, _("jurisdiction_id 必填：请填写问题所在村的12位区划代码。"))
    if not code.startswith(client_region.code):
        raise Open311Error(
            403, _("该 api_key 不能在 jurisdiction_id %(id)s 提交问题。") % {"id": code}
        )
    region = Region.objects.filter(code=code).first()
    if region is None or region.level not in (Level.VILLAGE, Level.GROUP):
        raise Open311Error(400, _("jurisdiction_id 必须是一个村（12位）或村民小组的区划代码。"))
    return region


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    client = services.open311_client_for_key(_param(data, "api_key"))
    if client is None:
        raise Open311Error(403, _("api_key 缺失或无效。"))
    _throttle(client.pk)
    code = _param(data, "service_code")
    if not code:
        raise Open311Error(400, _("缺少 service_code。"))
    category = ReportCategory.objects.filter(code=code, active=True).first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s 不存在。") % {"code": code[:30]})
    region = _post_region(client.region, _jurisdiction_code(data))
    lat, lon = _param(data, "lat"), _param(data, "long")
    address = _param(data, "address_string") or _param(data, "address_id")
    if not (lat and lon) and not address:
        raise Open311Error(400, _("缺少位置：请提供 lat 和 long，或 address_string。"))
    try:
        report = services.report_create_open311(
            client=client,
            region=region,
            category=category,
            description=_param(data, "description") or category.name,
            lat=lat or None,
            lon=lon or None,
            address=address,
            first_name=_param(data, "first_name"),
            last_name=_param(data, "last_name"),
            email=_param(data, "email"),
            phone=_param(data, "phone"),
            media_url=_param(data, "media_url"),
        )
    except ValidationError as exc:
        # Our field names are not the spec's: say which of its parameters is wrong.
        renamed = {"lon": "long", "address": "address_string"}
        descriptions = []
        for field, messages in getattr(exc, "message_dict", {"": exc.messages}).items():
            name = renamed.get(field, field)
            descriptions += [f"{name}: {m}" if name and name != "__all__" else m for m in messages]
        raise Open311Error(400, *descriptions) from None
    notice = _("已转%(unit)s处理。") % {"unit": services.unit_label(report)}
    account_id = _param(data, "account_id") or None
    row = {
        "service_request_id": report.number,
        "token": report.token,
        "service_notice": notice,
        "account_id": account_id,
    }
    return render(fmt, "service_requests", [row])


def _search(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    statuses = _list_param(params, "status")
    if statuses and set(statuses) - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed。"))
    start = _when(_param(params, "start_date"), "start_date")
    end = _when(_param(params, "end_date"), "end_date")
    if start and not end:
        end = min(timezone.now(), start + selectors.OPEN311_SPAN)
    if start and end and (end < start or end - start > selectors.OPEN311_SPAN):
        raise Open311Error(400, _("start_date 到 end_date 不能超过90天，且开始不能晚于结束。"))
    query = selectors.RequestQuery(
        ids=_list_param(params, "service_request_id", "service_request_ids"),
        service_codes=_list_param(params, "service_code"),
        start=start,
        end=end,
        statuses=statuses,
        under=_jurisdiction_code(params),
    )
    reports = selectors.open311_requests(query)
    names = selectors.unit_names(reports)
    return render(fmt, "service_requests", [request_row(r, names) for r in reports])


@csrf_exempt  # authenticated by api_key, never by a session
@require_http_methods(["GET", "POST"])
@endpoint
def service_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET requests (public reports) and POST requests (needs an api_key)."""
    if request.method == "POST":
        return _create(request, fmt)
    return _search(request, fmt)


@require_GET
@endpoint
def service_request(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    """GET requests/{id}: one public report."""
    _jurisdiction_code(request.GET)
    report = selectors.open311_request(request_id)
    names = selectors.unit_names([report])
    return render(fmt, "service_requests", [request_row(report, names)])


@require_GET
@endpoint
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """GET tokens/{token}: the service_request_id a POST's token stands for."""
    report = selectors.open311_token(token)
    return render(
        fmt, "service_requests", [{"service_request_id": report.number, "token": report.token}]
    )


@require_GET
@endpoint
def service_request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """mySociety's GET servicerequestupdates: public updates, oldest first."""
    params = request.GET
    start = _when(_param(params, "start_date"), "start_date")
    end = _when(_param(params, "end_date"), "end_date")
    if start and not end:
        end = min(timezone.now(), start + selectors.OPEN311_SPAN)
    if start and end and (end < start or end - start > selectors.OPEN311_SPAN):
        raise Open311Error(400, _("start_date 到 end_date 不能超过90天，且开始不能晚于结束。"))
    rows = [
        {
            "update_id": str(u.pk),
            "service_request_id": u.report.number,
            "status": UPDATE_STATUS.get(u.state, "open"),
            "updated_datetime": services.as_w3(u.at),
            "description": u.text,
            "media_url": None,
        }
        for u in selectors.open311_updates(start, end)
    ]
    return render(fmt, "service_request_updates", rows)
