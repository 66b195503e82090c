"""The officer's documents in the admin: a printable page, Markdown and ODT downloads.

For superusers and the Prüfung role (permission ``privacy.view_documents``); everyone else
gets the German 403 page. Each view builds the document from the live configuration.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from . import runs
from .documents import BY_SLUG, DOCUMENTS, markdown, odt
from .stores import BY_KEY


def _allowed(request):
    if not request.user.has_perm("privacy.view_documents"):  # superusers have every perm
        raise PermissionDenied


def _entry(slug):
    try:
        return BY_SLUG[slug]
    except KeyError:
        raise Http404 from None


def _context(request, title, **extra):
    return {**admin.site.each_context(request), "title": title, **extra}


def index(request):
    _allowed(request)
    last = runs.last_runs()
    stores = [(store, last.get(store.key)) for store in BY_KEY.values() if store.purge]
    return TemplateResponse(
        request,
        "privacy/index.html",
        _context(request, _("Data-protection documents"), documents=DOCUMENTS, stores=stores),
    )


def document(request, slug):
    _allowed(request)
    entry = _entry(slug)
    return TemplateResponse(
        request,
        "privacy/document.html",
        _context(request, entry.title, entry=entry, document=entry.document()),
    )


def download(request, slug, fmt):
    _allowed(request)
    entry = _entry(slug)
    built = entry.document()
    if fmt == "md":
        response = HttpResponse(markdown.render(built), content_type="text/markdown; charset=utf-8")
    else:
        response = HttpResponse(odt.render(built), content_type=odt.MIMETYPE)
    response["Content-Disposition"] = f'attachment; filename="{slug}.{fmt}"'
    return response


def view(function):
    """Behind the admin's login (and the OTP middleware), like every admin page."""
    return admin.site.admin_view(function)
