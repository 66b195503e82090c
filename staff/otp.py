"""Two-factor login for staff (TOTP, django-otp).

Every staff account reaches data worth protecting: Freigabe can message every resident,
Prüfung exports the consent log and looks residents up by number, Redaktion writes what
goes out. So no staff user can use the admin until they have confirmed a TOTP code in this
session; without a device they are led to the enrolment page first.

``OTP_REQUIRED`` may be switched off for the embedded demo only (it defaults to on when
DEBUG is off). ``OTP_REQUIRED_GROUPS`` narrows it to the named groups; superusers and
whoever may approve broadcasts need it whatever that list says.
"""

from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice


def must_use_otp(user):
    """True for every staff user, or only the named groups if ``OTP_REQUIRED_GROUPS`` says so."""
    if not settings.OTP_REQUIRED or not user.is_authenticated or not user.is_staff:
        return False
    groups = settings.OTP_REQUIRED_GROUPS
    if not groups:
        return True
    if user.is_superuser or user.has_perm("announcements.approve_announcement"):
        return True
    return user.groups.filter(name__in=groups).exists()


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class RequireOTPMiddleware:
    """Send unverified staff sessions to the 2FA pages before any admin page.

    Must come after ``django_otp.middleware.OTPMiddleware`` (which sets ``is_verified``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            request.path.startswith(_admin_prefix())
            and not user.is_verified()  # first: verified sessions need no group query
            and must_use_otp(user)
            and not self._exempt(request.path)
        ):
            name = "staff_otp:verify" if confirmed_device(user) else "staff_otp:setup"
            return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _exempt(path):
        allowed = [
            reverse("staff_otp:setup"),
            reverse("staff_otp:verify"),
            reverse("admin:logout"),
            reverse("admin:jsi18n"),
        ]
        return path in allowed


@cache
def _admin_prefix():
    """The admin's URL, reversed once: every request (webhooks too) passes through here,
    and ``reverse`` cost about a tenth of a webhook POST's CPU time."""
    return reverse("admin:index")
