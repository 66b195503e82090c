"""The page a locked-out login sees (``AXES_LOCKOUT_CALLABLE``), in German.

django-axes would answer with a bare English "Account locked: too many login attempts".
The status stays axes' (429), so scripts and the login-protection tests see the lock.
"""

from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(
        request,
        "staff/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
