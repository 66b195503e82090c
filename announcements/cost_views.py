"""The cost report for Freigabe and Prüfung: what Meta billed, per message, month and year.

Both roles hold ``announcements.view_statistics`` (``export_statistics`` for the CSV);
figures come from ``pricing.reports`` (the ``pricing`` object of the status webhooks,
priced with the office's price table). Titles are the only thing this view adds. The
automatic replies (billed since 1 October 2026) have a table of their own, per month and
by kind, apart from the broadcasts.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

import audit
from pricing import reports
from pricing.models import ReplyKind

from .models import Announcement

FILENAMES = {
    "announcement": "kosten-je-nachricht",
    "month": "kosten-je-monat",
    "year": "kosten-je-jahr",
}


def _titles(rows):
    ids = [row.key for row in rows]
    return dict(Announcement.objects.filter(pk__in=ids).values_list("pk", "title"))


def _with_kinds(rows):
    """Each reply row's counts in the order of ``ReplyKind`` (the table's columns)."""
    for row in rows:
        row.kinds = [row.by_category.get(kind, 0) for kind in ReplyKind.values]
    return rows


def costs(request):
    """``/admin/kosten/``: three tables and the replies'; ``?csv=<group>`` downloads one."""
    if not request.user.has_perm("announcements.view_statistics"):
        raise PermissionDenied
    group = request.GET.get("csv")
    if group is not None:
        return _export(request, group)
    by_announcement = reports.costs("announcement")
    titles = _titles(by_announcement)
    for row in by_announcement:
        row.title = titles.get(row.key, "")
    context = {
        **admin.site.each_context(request),
        "title": _("Cost of the WhatsApp messages"),
        "by_announcement": by_announcement,
        "by_month": reports.costs("month"),
        "by_year": reports.costs("year"),
        "reply_kinds": ReplyKind.labels,
        "replies": _with_kinds(reports.reply_costs()),
        "can_export": request.user.has_perm("announcements.export_statistics"),
    }
    return TemplateResponse(request, "admin/announcements/costs.html", context)


def _export(request, group):
    if group not in reports.GROUPS:
        raise Http404
    if not request.user.has_perm("announcements.export_statistics"):
        raise PermissionDenied
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{FILENAMES[group]}.csv"'
    labels = _titles(reports.costs("announcement")) if group == "announcement" else None
    reports.write_csv(group, response, labels)
    audit.record(request.user, "costs.export", "", group=group)
    return response
