"""URL routes: the admin, Meta's webhook, the health check, and the public pages at "/"."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from announcements import cost_views

from . import health

admin.site.site_header = _("Titz Broadcast · Administration")
admin.site.site_title = _("Titz Broadcast")
admin.site.index_title = _("Overview")
# "Website anzeigen" leads to the public pages at "/" (never to a debug page).
admin.site.site_url = "/"

urlpatterns = [
    path("admin/2fa/", include("staff.urls")),
    path("admin/datenschutz/", include("privacy.urls")),
    path("admin/kosten/", admin.site.admin_view(cost_views.costs), name="costs"),  # issue 16
    path("admin/", admin.site.urls),
    path("whatsapp/", include("whatsapp.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("", include("public.urls")),
]
