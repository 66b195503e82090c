"""URLs of the staff 2FA pages (mounted under the admin prefix in the project URLconf)."""

from django.urls import path

from . import views_otp

app_name = "staff_otp"
urlpatterns = [
    path("einrichten/", views_otp.setup, name="setup"),
    path("bestaetigen/", views_otp.verify, name="verify"),
]
