"""The guided TOTP enrolment and the per-session code check, inside the admin's look."""

from base64 import b32encode

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

from .otp import confirmed_device


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
    valid while the person fetches their phone.
    """
    if confirmed_device(request.user):
        return redirect("staff_otp:verify")
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
