"""The guided TOTP enrolment and the per-session code check, inside the admin's look."""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

import audit

from . import enrolment
from .otp import confirmed_device

# The session has redeemed a set-up code for this user id (``staff.enrolment``).
ENROLMENT_SESSION_KEY = "staff_otp_enrolment"


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Set-up code from your administrator"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from the app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "admin:index"


def _context(request, **extra):
    return {**admin.site.each_context(request), "next": _next_url(request), **extra}


@staff_member_required
def setup(request):
    """Show a QR code for an authenticator app and confirm it with a first code.

    The unconfirmed device is kept between page loads, so the QR code on screen stays
    valid while the person fetches their phone. No QR code (no secret) is shown before
    the session has redeemed a set-up code an administrator issued for this account.
    """
    if confirmed_device(request.user):
        return redirect("staff_otp:verify")
    if request.session.get(ENROLMENT_SESSION_KEY) != request.user.pk:
        return _enrolment_code(request)
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name=str(_("Authenticator app")), confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            request.session.pop(ENROLMENT_SESSION_KEY, None)
            otp_login(request, device)
            audit.record(request.user, "otp.enrol", request.user.get_username())
            return redirect(_next_url(request))
        audit.record(request.user, "otp.failed", request.user.get_username())
        form.add_error("token", _("The code is incorrect. Please enter the current code."))
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    context = _context(
        request,
        title=_("Set up two-factor sign-in"),
        form=form,
        qr_svg=qr_svg,
        secret=_base32(device),
    )
    return render(request, "staff/otp_setup.html", context)


def _enrolment_code(request):
    form = EnrolmentCodeForm(request.POST if "enrolment" in request.POST else None)
    if form.is_bound and form.is_valid():
        if enrolment.redeem(request.user, form.cleaned_data["code"]):
            request.session[ENROLMENT_SESSION_KEY] = request.user.pk
            audit.record(request.user, "otp.enrolment_code", request.user.get_username())
            return redirect(f"{request.path}?{urlencode({'next': _next_url(request)})}")
        audit.record(request.user, "otp.enrolment_code_refused", request.user.get_username())
        form.add_error("code", _("This set-up code is not valid (wrong, used or expired)."))
    context = _context(request, title=_("Set up two-factor sign-in"), form=form)
    return render(request, "staff/otp_enrolment_code.html", context)


@staff_member_required
def verify(request):
    """Ask for the current code once per session; django-otp throttles wrong guesses."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect("staff_otp:setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            otp_login(request, device)
            audit.record(request.user, "otp.verify", request.user.get_username())
            return redirect(_next_url(request))
        audit.record(request.user, "otp.failed", request.user.get_username())
        form.add_error("token", _("The code is incorrect or has expired."))
    context = _context(request, title=_("Confirm sign-in"), form=form)
    return render(request, "staff/otp_verify.html", context)


def _base32(device):
    """The secret for typing into an app by hand, in groups of four like most apps show."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
