"""The status-webhook yardstick: a bare Django view behind the same gunicorn configuration.

It does what no webhook receiver can skip, and nothing else: read the body, check Meta's
HMAC-SHA256 signature, parse the JSON, answer 200. No apps, no middleware, no storage.
``gunicorn bench.bare_webhook:application`` with this module as its settings too
(``DJANGO_SETTINGS_MODULE=bench.bare_webhook``); ``bench.env.gunicorn`` starts it with the
project's ``gunicorn.conf.py``, so both sides have the same processes and threads.
"""

import hashlib
import hmac
import json
import os

from django.http import HttpResponse, HttpResponseForbidden
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

DEBUG = False
SECRET_KEY = "bench-bare-webhook-" + "x" * 40
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
MIDDLEWARE = []
INSTALLED_APPS = []
DATABASES = {}
USE_TZ = True
APP_SECRET = os.environ.get("WHATSAPP_APP_SECRET", "").encode()


@csrf_exempt
def webhook(request):
    body = request.read(int(request.META.get("CONTENT_LENGTH") or 0))
    expected = "sha256=" + hmac.new(APP_SECRET, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.META.get("HTTP_X_HUB_SIGNATURE_256", ""), expected):
        return HttpResponseForbidden()
    json.loads(body)
    return HttpResponse(b"ok", content_type="text/plain", headers={"Content-Length": "2"})


def healthz(request):
    return HttpResponse(b"ok", content_type="text/plain", headers={"Content-Length": "2"})


urlpatterns = [path("whatsapp/webhook/", webhook), path("healthz", healthz)]

os.environ["DJANGO_SETTINGS_MODULE"] = __name__
from django.core.wsgi import get_wsgi_application  # noqa: E402 - after the settings module

application = get_wsgi_application()
