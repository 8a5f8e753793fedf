"""Minutes of a meeting as a PDF (cunshe.core.pdf): title, kind, time, place, the quorum's
figures, the attendance (names for meetings of a body; a count for 村民会议 and 小组会议, which
may be hundreds), each agenda item with its decision and counts, the clerk's notes and the titles
of the files kept with the meeting (the files themselves are downloaded from the meeting page)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.core.pdf import PdfDocument
from cunshe.selfgov.models import Meeting
from cunshe.selfgov.selectors import meetings as sel

BASIS = {
    "adults": gettext_lazy("成年村民"),
    "households": gettext_lazy("户代表"),
    "members": gettext_lazy("组成人员"),
}


def _when(value) -> str:  # type: ignore[no-untyped-def]
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def build_minutes(meeting: Meeting) -> PdfDocument:
    """The minutes document (not yet rendered: `.text()` shows what it says)."""
    counts = sel.counts_of(meeting)
    quorum = sel.quorum_of(meeting, counts)
    doc = PdfDocument(
        _("会议记录"),
        subtitle=f"{meeting.region.name} · {meeting.title}",
        footer=_("村社通 · 会议编号 %(pk)s") % {"pk": meeting.pk},
    )
    doc.rows(
        [
            (_("会议名称"), meeting.title),
            (_("会议类型"), meeting.get_kind_display()),
            (_("召集依据"), meeting.get_requested_by_display()),
            (_("组织"), meeting.body.name if meeting.body else ""),
            (_("通知日期"), meeting.notice_on.isoformat()),
            (_("召开时间"), _when(meeting.opened_at or meeting.scheduled_at)),
            (_("结束时间"), _when(meeting.closed_at)),
            (_("地点"), meeting.place),
            (_("状态"), meeting.get_status_display()),
        ]
    )
    doc.heading(_("到会情况"))
    if quorum is None:
        doc.paragraph(_("会议未开始，没有签到。"))
    else:
        rows = []
        for m in quorum.measures:
            rows.append(
                (
                    str(BASIS.get(m.basis, m.basis)),
                    _("应到%(base)s，实到%(present)s，需%(needed)s：%(ok)s")
                    % {
                        "base": m.base,
                        "present": m.present,
                        "needed": m.needed,
                        "ok": _("已达到") if m.reached else _("未达到"),
                    },
                )
            )
        rows.append((_("法定人数"), _("已达到") if quorum.reached else _("未达到")))
        doc.rows(rows)
        attendance = sel.attendance_of(meeting)
        if meeting.kind in sel.BY_HOUSEHOLD:
            doc.paragraph(
                _("签到%(n)s人，其中作为户代表签到%(h)s人。签到名单由村委会存档。")
                % {"n": counts.present, "h": counts.households_present}
            )
        else:
            doc.paragraph(
                _("到会人员（%(n)s人）：%(names)s")
                % {"n": counts.present, "names": "、".join(a.person.name for a in attendance)}
            )
    doc.heading(_("议题与决议"))
    items = sel.agenda_of(meeting)
    table = []
    for i, item in enumerate(items, start=1):
        d = item.the_decision  # type: ignore[attr-defined]
        if d is None:
            table.append([str(i), item.title, _("未表决"), "", "", "", "", ""])
        else:
            table.append(
                [
                    str(i),
                    item.title,
                    d.text,
                    str(d.present),
                    str(d.votes_for),
                    str(d.votes_against),
                    str(d.abstentions),
                    _("通过") if d.passed else _("未通过"),
                ]
            )
    doc.table(
        [_("序号"), _("议题"), _("决议"), _("到会"), _("赞成"), _("反对"), _("弃权"), _("结果")],
        table,
        widths=[7, 20, 33, 7, 7, 7, 7, 10],
    )
    doc.paragraph(
        _("决定须经到会人员的过半数同意。表决方式：记名表决的议题另存逐人表决记录。"), small=True
    )
    if meeting.minutes_text:
        doc.heading(_("会议记录"))
        doc.paragraph(meeting.minutes_text)
    attachments = sel.attachments_of(meeting)
    if attachments:
        doc.heading(_("附件"))
        doc.paragraph("\n".join(f"{i}. {a.title}" for i, a in enumerate(attachments, start=1)))
    doc.space(8)
    doc.rows([(_("记录人"), ""), (_("主持人"), "")])
    return doc


def render_minutes(meeting: Meeting) -> bytes:
    return build_minutes(meeting).render()
