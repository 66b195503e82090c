"""The public pages. Each is a GET without login, cookie or session (``caching``), in
the language of ``?sprache=`` or the browser (``languages``).

The sign-up, poster and legal pages read settings only (no query): they answer even
while the database is down. The archive's pages are one query each (``archive``).
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import http_date

from announcements import media as media_files

from . import archive, art13, languages, qr, site
from .caching import public_page


def _render(request, template, **extra):
    context = {**site.context(), "languages": request.public_languages, **extra}
    return render(request, template, context)


@public_page(offered=languages.resident_ones)
def signup(request):
    return _render(request, "public/signup.html", **art13.template_context())


@public_page(offered=languages.resident_ones)
def poster(request):
    return _render(request, "public/poster.html", site_url=request.build_absolute_uri("/"))


@public_page
def qr_code(request):
    link = site.wa_me_link()
    if not link:
        raise Http404
    return HttpResponse(qr.svg(link), content_type="image/svg+xml")


@public_page(offered=languages.resident_ones)
def accessibility(request):
    return _render(
        request,
        "public/accessibility.html",
        site_url=request.build_absolute_uri("/"),
        statement_date=settings.ACCESSIBILITY_STATEMENT_DATE,
        enforcement_body=settings.ACCESSIBILITY_ENFORCEMENT_BODY,
    )


@public_page(offered=languages.german_only)
def easy_language(request):
    return _render(request, "public/easy_language.html")


def _last_modified(response, entries):
    if entries:
        response["Last-Modified"] = http_date(max(e.sent_at for e in entries).timestamp())
    return response


@public_page
def archive_list(request):
    archive_filter = archive.Filter.from_query(request.GET)
    try:
        number = int(request.GET.get("seite", "1"))
    except ValueError:
        raise Http404 from None
    result = archive.page(archive_filter, number)
    filters = [("", archive.Filter().query(), "")]
    filters += [
        (label, archive.Filter(category=value).query(), value)
        for value, label in archive.PLURALS.items()
    ]
    response = _render(
        request,
        "public/archive.html",
        page=result,
        filter=archive_filter,
        filters=filters,
        previous_query=archive_filter.query(seite=result.number - 1 if result.number > 2 else 0),
        next_query=archive_filter.query(seite=result.number + 1),
    )
    return _last_modified(response, result.entries)


@public_page
def entry(request, pk):
    item = archive.get(pk)
    return _last_modified(_render(request, "public/entry.html", entry=item), [item])


@public_page
def entry_media(request, pk):
    stored = archive.media(pk)
    try:
        return media_files.media_response(stored, f"nachricht-{pk}")
    except FileNotFoundError:
        raise Http404 from None
