"""URL routes: the admin, Meta's webhook, and the health check."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from announcements import cost_views

from . import health

admin.site.site_header = _("Titz Broadcast · Verwaltung")
admin.site.site_title = _("Titz Broadcast")
admin.site.index_title = _("Übersicht")

urlpatterns = [
    path("admin/2fa/", include("staff.urls")),
    path("admin/kosten/", admin.site.admin_view(cost_views.costs), name="costs"),  # issue 16
    path("admin/", admin.site.urls),
    path("whatsapp/", include("whatsapp.urls")),
    path("healthz", health.healthz, name="healthz"),
]
