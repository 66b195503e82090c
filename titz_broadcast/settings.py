"""Settings for Titz Broadcast, read once from the environment.

Defaults fail closed: DEBUG is off and no secret has a fallback, so a forgotten variable
is a system-check error (``whatsapp.checks``, ``subscribers.checks``), never a published
development key. The embedded demo and the tests get their development values from
``dev.env`` (``titz_broadcast.devenv``), which ``make run`` and the test session load.
Production sets the variables documented in ``.env.example``; ``manage.py check
--deploy`` then passes without warnings.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from titz_broadcast import queues

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Runtime files (SQLite, broker folder, media); the E2E tests point it at a temp dir.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
# Empty when unset: Django then refuses to start, which is the point.
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "audit",
    "staff",
    "whatsapp",
    "subscribers",
    "pricing",
    "announcements",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "staff.otp.RequireOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "titz_broadcast.urls"
WSGI_APPLICATION = "titz_broadcast.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'titz_broadcast.sqlite3'}")
}
# Keep connections open: a fresh, password-authenticated PostgreSQL connection per request
# (about 6 ms each) capped the webhook near 160 requests/s on the 2-core reference machine.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let web, worker and beat share one SQLite file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("Deutsch")), ("en", _("Englisch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

# --- Security (strict unless DEBUG) -------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# Staff sessions end after inactivity: an unattended browser must not keep the power to
# message every resident.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Content-Security-Policy (django-csp) ---------------------------------------------
# Pages load scripts, styles, images and fonts only from this site, and no inline script
# runs: an injected <script> cannot act in an approver's OTP-verified session. Django's
# admin and our templates need no inline script (the simulator's phone page is served by
# the simulator, not Django). style-src keeps 'unsafe-inline' for the <style> blocks of
# templates/admin/ (CSS runs no script). Media files answer with a stricter policy of their
# own (announcements.media.MEDIA_CSP), which the middleware leaves in place.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# --- end Content-Security-Policy ------------------------------------------------------

# --- Login protection (django-axes) -------------------------------------------------
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
# A name is locked only for the address it was guessed from: locking by address (alone or
# as an alternative) let five made-up names lock the whole office out, all of whom share
# the reverse proxy's address unless TRUSTED_PROXY_COUNT is set.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Further failures while locked out do not restart the cool-off: it ends on time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Proxies in front of Django that append the client's address to X-Forwarded-For; 0 uses
# REMOTE_ADDR. django-ipware is not installed, so axes is given our own resolver.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "staff.client_ip.client_ip"

# --- Cache and Redis ----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
    CELERY_BROKER_TRANSPORT = "titz_broadcast.broker:Transport"
else:
    # Tasks are acknowledged after they ran, so a killed worker's batch is redelivered.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Which task runs on which queue, for every task and beat entry: ``titz_broadcast.queues``.
CELERY_TASK_ROUTES = (queues.route,)

# --- WhatsApp Cloud API ---------------------------------------------------------------
WHATSAPP_BACKEND = env.str(
    "WHATSAPP_BACKEND", default="whatsapp.backends.cloud_api.CloudAPIBackend"
)
WHATSAPP_API_BASE_URL = env.str("WHATSAPP_API_BASE_URL", default="https://graph.facebook.com")
WHATSAPP_API_VERSION = env.str("WHATSAPP_API_VERSION", default="v25.0")
# Required; ``whatsapp.checks`` refuses empty or development values while DEBUG is off.
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_BUSINESS_ACCOUNT_ID = env.str("WHATSAPP_BUSINESS_ACCOUNT_ID", default="")
WHATSAPP_ACCESS_TOKEN = env.str("WHATSAPP_ACCESS_TOKEN", default="")
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", default="")
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", default="")
WHATSAPP_CONNECT_TIMEOUT = env.float("WHATSAPP_CONNECT_TIMEOUT", default=3.05)
WHATSAPP_READ_TIMEOUT = env.float("WHATSAPP_READ_TIMEOUT", default=15.0)
WHATSAPP_MESSAGES_PER_SECOND = env.float("WHATSAPP_MESSAGES_PER_SECOND", default=80.0)
# Unique recipients per moving 24 h for the business portfolio; 0 means unlimited.
WHATSAPP_MESSAGING_LIMIT = env.int("WHATSAPP_MESSAGING_LIMIT", default=0)
# Status webhooks are stored in the request and applied together by a worker this much
# later (per web process); 0 queues a worker task after every POST.
WHATSAPP_STATUS_BATCH_SECONDS = env.float("WHATSAPP_STATUS_BATCH_SECONDS", default=1.0)
# Processed webhook events (ids and timing only) are kept this long for troubleshooting.
WHATSAPP_EVENT_RETENTION_DAYS = env.int("WHATSAPP_EVENT_RETENTION_DAYS", default=7)
# Inbound messages and preferences older than this are acknowledged and ignored: Meta
# retries for 7 days, so anything older is a replay (a captured "Start" re-subscribing a
# number once the de-duplication rows are purged). 0 turns the check off. Keep it within
# the 8 days ``subscribers.retention`` keeps handled ids, so no replay falls in between.
WHATSAPP_EVENT_MAX_AGE_HOURS = env.float("WHATSAPP_EVENT_MAX_AGE_HOURS", default=7 * 24 + 24)

# --- Broadcast engine (announcements.engine) --------------------------------------------
# Deliveries claimed and sent per step of a batch task: one claim and one result UPDATE each.
BROADCAST_BATCH_SIZE = env.int("BROADCAST_BATCH_SIZE", default=100)
# Batch tasks running at once per broadcast; match the worker processes to use them all.
BROADCAST_LANES = env.int("BROADCAST_LANES", default=2)
# A batch task re-enqueues itself after this long, so urgent work and pauses get a turn.
BROADCAST_TASK_SECONDS = env.float("BROADCAST_TASK_SECONDS", default=2.0)
BROADCAST_MAX_ATTEMPTS = env.int("BROADCAST_MAX_ATTEMPTS", default=6)
BROADCAST_RETRY_BASE_SECONDS = env.float("BROADCAST_RETRY_BASE_SECONDS", default=5.0)
BROADCAST_RETRY_MAX_SECONDS = env.float("BROADCAST_RETRY_MAX_SECONDS", default=900.0)
# A claim without any evidence of sending is retried only after this long (see sweeper).
BROADCAST_CLAIM_GRACE_SECONDS = env.float("BROADCAST_CLAIM_GRACE_SECONDS", default=300.0)
BROADCAST_TICK_SECONDS = env.float("BROADCAST_TICK_SECONDS", default=3.0)
# Undeliverable failures (131026) after which staff see the subscriber flagged.
UNDELIVERABLE_FLAG_THRESHOLD = env.int("UNDELIVERABLE_FLAG_THRESHOLD", default=3)

# --- Staff workflow -----------------------------------------------------------------
# A small office may have a single person; then self-approval is allowed but audited.
ALLOW_SELF_APPROVAL = env.bool("ALLOW_SELF_APPROVAL", default=False)
# Every staff user must log in with TOTP; only the embedded demo may relax it. A list of
# group names narrows it to those groups (superusers and Freigabe always need it).
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=not DEBUG)
OTP_REQUIRED_GROUPS = env.list("OTP_REQUIRED_GROUPS", default=[])
# Consent-log look-ups by phone number per staff user and hour (audited; then refused).
CONSENT_LOOKUP_LIMIT_PER_HOUR = env.int("CONSENT_LOOKUP_LIMIT_PER_HOUR", default=20)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Titz Broadcast")
# E.164 numbers of the office's own phones for test sends; never subscribers.
TEST_RECIPIENTS = env.list("TEST_RECIPIENTS", default=[])

# --- Residents' numbers -----------------------------------------------------------------
# Required (``subscribers.checks``); no fallback.
NUMBER_HASH_KEY = env.str("NUMBER_HASH_KEY", default="")
NUMBER_ENCRYPTION_KEYS = env.list("NUMBER_ENCRYPTION_KEYS", default=[])

# --- Residents: keywords, automatic replies, consent log ------------------------------
# The contact defaults are placeholders for the demo: set the municipality's real ones.
KEYWORDS_START = env.list("KEYWORDS_START", default=["Start", "Anmelden", "Abo", "Subscribe"])
KEYWORDS_STOP = env.list(
    "KEYWORDS_STOP", default=["Stop", "Stopp", "Abmelden", "Ende", "Unsubscribe"]
)
KEYWORDS_HELP = env.list("KEYWORDS_HELP", default=["Hilfe", "Info", "Help"])
OFFICIAL_CONTACT_PHONE = env.str("OFFICIAL_CONTACT_PHONE", default="02463 000000")
OFFICIAL_CONTACT_EMAIL = env.str("OFFICIAL_CONTACT_EMAIL", default="info@gemeinde.example")
OFFICIAL_CONTACT_ADDRESS = env.str(
    "OFFICIAL_CONTACT_ADDRESS", default="Gemeindeverwaltung, Musterstraße 1, 52445 Titz"
)
PRIVACY_NOTICE_URL = env.str("PRIVACY_NOTICE_URL", default="https://gemeinde.example/datenschutz")
# A chatty resident gets the "information service only" answer once per this period.
AUTO_REPLY_INTERVAL_HOURS = env.float("AUTO_REPLY_INTERVAL_HOURS", default=24)
# Every answer is a billed service message: one of a kind per resident per this period,
# and at most this many of all kinds per resident and 24 hours (0 = no cap).
REPLY_THROTTLE_MINUTES = env.float("REPLY_THROTTLE_MINUTES", default=10)
REPLY_DAILY_CAP = env.int("REPLY_DAILY_CAP", default=10)
CONSENT_LOG_RETENTION_DAYS = env.int("CONSENT_LOG_RETENTION_DAYS", default=1095)

# --- Meta's rules of 2026: cost, template health (issue 16) ------------------------------
# Euros per calendar month the office means to spend on WhatsApp (0 = no budget): the
# approval screen warns when a broadcast would pass it.
PRICING_MONTHLY_BUDGET = env.float("PRICING_MONTHLY_BUDGET", default=0.0)
# Share of recipients who write back after a broadcast (each gets one billed automatic
# answer, a service message): the estimate's assumption for the replies it provokes.
PRICING_REPLY_RATE = env.float("PRICING_REPLY_RATE", default=0.02)
# Calling code a subscriber of unknown country is priced as (the municipality's own).
PRICING_DEFAULT_CALLING_CODE = env.str("PRICING_DEFAULT_CALLING_CODE", default="49")
# Templates are read from Meta this often as a safety net for missed template webhooks.
TEMPLATE_SYNC_SECONDS = env.float("TEMPLATE_SYNC_SECONDS", default=6 * 3600.0)

# --- Periodic tasks (Celery beat), all in one place --------------------------------------
CELERY_BEAT_SCHEDULE = {
    # Starts due broadcasts, re-dispatches lost batches, sweeps stale claims, finishes.
    "announcements.tick": {
        "task": "announcements.tick",
        "schedule": BROADCAST_TICK_SECONDS,
    },
    # Statuses the webhook stored (should the webhook's own request to dispatch them be
    # lost) and events whose receivers failed, after their backoff.
    "whatsapp.dispatch_due_events": {
        "task": "whatsapp.tasks.dispatch_due_events",
        "schedule": 5.0,
    },
    "whatsapp.purge_processed_events": {
        "task": "whatsapp.tasks.purge_processed_events",
        "schedule": 6 * 3600.0,
    },
    "subscribers.purge_consent_log": {
        "task": "subscribers.tasks.purge_consent_log",
        "schedule": 24 * 3600.0,
    },
    # Status webhooks that matched no broadcast within Meta's week of retries.
    "announcements.purge_unmatched_statuses": {
        "task": "announcements.purge_unmatched_statuses",
        "schedule": 3600.0,
    },
    # Meta's rules (issue 16): the limits and the templates, should a webhook be missed.
    "whatsapp.refresh_limits": {"task": "whatsapp.tasks.refresh_limits", "schedule": 3600.0},
    "announcements.sync_templates": {
        "task": "announcements.sync_templates",
        "schedule": TEMPLATE_SYNC_SECONDS,
    },
}

# --- Logging: structured lines with ids, never a phone number --------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # Request lines without query strings: the webhook handshake carries the verify
        # token there (gunicorn's access log leaves them out too: gunicorn.conf.py).
        "no_query_strings": {"()": "titz_broadcast.logfilters.StripQueryStrings"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        # runserver's access log (``make run``, the Procfile's web process).
        "django.server": {
            "handlers": ["console"],
            "filters": ["no_query_strings"],
            "level": "INFO",
            "propagate": False,
        },
        "django.request": {"filters": ["no_query_strings"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
