"""The client's address for login protection (``AXES_CLIENT_IP_CALLABLE``).

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy, the same for everybody; the client's
address is in ``X-Forwarded-For``. But a client can send that header itself, so only the
entries the trusted proxies appended count: with ``TRUSTED_PROXY_COUNT`` = n, the n-th
entry from the right. Anything left of it was written by the client and is ignored.
"""

import ipaddress

from django.conf import settings


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if len(forwarded) < count:
        # Fewer entries than proxies: the request did not come through all of them (or a
        # proxy is misconfigured). The direct peer is the only address we can trust.
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
