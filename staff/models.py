"""German faces of the login libraries' tables, for the admin.

django-otp and django-axes bring their own admins, in English ("TOTP devices",
"OTP_TOTP", "AXES", "Attempt Remaining"). These proxies are the same tables under German
names in this app's section; ``staff.admin`` shows them instead of the originals.
"""

from axes.models import AccessAttempt
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice


class AuthenticatorApp(TOTPDevice):
    class Meta:
        proxy = True
        verbose_name = _("Authenticator app")
        verbose_name_plural = _("Authenticator apps (two-factor login)")


class LoginLock(AccessAttempt):
    class Meta:
        proxy = True
        verbose_name = _("Failed login")
        verbose_name_plural = _("Failed logins and locks")
