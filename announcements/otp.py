"""Two-factor login for staff (TOTP, django-otp).

An account that may approve a broadcast can message every resident, so Freigabe and
superusers cannot use the admin until they have confirmed a TOTP code in this session;
without a device they are led to the enrolment page first. ``OTP_REQUIRED`` may be
switched off for the embedded demo only (it defaults to on when DEBUG is off).
"""

from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice


def must_use_otp(user):
    """True for the roles that can send to every resident."""
    if not settings.OTP_REQUIRED or not user.is_authenticated or not user.is_staff:
        return False
    return user.is_superuser or user.has_perm("announcements.approve_announcement")


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class RequireOTPMiddleware:
    """Send unverified Freigabe/superuser sessions to the 2FA pages before any admin page.

    Must come after ``django_otp.middleware.OTPMiddleware`` (which sets ``is_verified``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            request.path.startswith(_admin_prefix())
            and must_use_otp(user)
            and not user.is_verified()
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
