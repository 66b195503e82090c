"""German faces of the login libraries' tables, for the admin.

django-otp and django-axes bring their own admins, in English ("TOTP devices",
"OTP_TOTP", "AXES", "Attempt Remaining"). These proxies are the same tables under German
names in this app's section; ``staff.admin`` shows them instead of the originals.
"""

from axes.models import AccessAttempt
from django.conf import settings
from django.db import models
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


class EnrolmentCode(models.Model):
    """A one-time code an administrator issues so that one person can set up their app.

    Without it, whoever first signs in with a password alone could bind their own
    authenticator to the account. Only a hash is kept (the code is shown once); it is
    good for ``OTP_ENROLMENT_CODE_HOURS`` and for one enrolment (``staff.enrolment``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.CharField(_("Issued by"), max_length=150)
    issued_at = models.DateTimeField(_("Issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("Valid until"))
    used_at = models.DateTimeField(_("Used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Set-up code for two-factor login")
        verbose_name_plural = _("Set-up codes for two-factor login")

    def __str__(self):
        return f"{self.user} {self.issued_at:%Y-%m-%d %H:%M}"
