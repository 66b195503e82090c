"""URLs of the staff 2FA pages (mounted under the admin prefix in the project URLconf)."""

from django.urls import path

from . import views

app_name = "staff_otp"
urlpatterns = [
    path("einrichten/", views.setup, name="setup"),
    path("bestaetigen/", views.verify, name="verify"),
]
