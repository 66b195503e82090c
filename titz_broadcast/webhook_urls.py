"""URL routes of the ``webhooks`` process: Meta's webhook and the health check only."""

from django.urls import include, path

from . import health

urlpatterns = [
    path("whatsapp/", include("whatsapp.urls")),
    path("healthz", health.healthz, name="healthz"),
]
