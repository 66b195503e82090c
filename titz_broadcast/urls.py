"""URL routes: the admin, Meta's webhook, and the health check."""

from django.contrib import admin
from django.urls import include, path

from . import health

urlpatterns = [
    path("admin/2fa/", include("announcements.urls_otp")),
    path("admin/", admin.site.urls),
    path("whatsapp/", include("whatsapp.urls")),
    path("healthz", health.healthz, name="healthz"),
]
