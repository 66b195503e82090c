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
    "alerts",
    "whatsapp",
    "subscribers",
    "pricing",
    "announcements",
    "privacy",
    "nina",
    "public",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "titz_broadcast.bodylimit.RequestBodyLimitMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "staff.otp.RequireOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Request bodies (``titz_broadcast.bodylimit``): staff may upload a message's PDF (100 MB at
# Meta), anyone else sends a login form or a webhook (Meta's are far below 3 MB). Django's
# own limits bound form fields and files per request.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=110_000_000)
ANONYMOUS_REQUEST_BODY_MAX_BYTES = env.int("ANONYMOUS_REQUEST_BODY_MAX_BYTES", default=3_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 5

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
LANGUAGES = [("de", _("German")), ("en", _("English"))]
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
        # blob: only for the composer's preview of an image chosen but not yet uploaded
        # (a URL the page's own script makes from the file; announcements/composer.js).
        "img-src": ["'self'", "blob:"],
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
# Failed logins keep a typed name only if an account has it (it may be a password).
AXES_USERNAME_CALLABLE = "staff.login_names.axes_username"
# ... and never in the POST data axes copies into each attempt (the password is masked).
AXES_SENSITIVE_PARAMETERS = ["username"]
# A German page instead of axes' bare English "Account locked" text.
AXES_LOCKOUT_CALLABLE = "staff.lockout.locked_out"

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
# Every task has a soft limit (SoftTimeLimitExceeded: the task can record why it stopped)
# and a hard one (the worker process is killed and replaced): nothing holds a worker for
# good. Tasks that need less say so themselves (``nina.poll``).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)

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
# Authenticates the status intake's Redis entries (``whatsapp.intake``); its own key.
WHATSAPP_INTAKE_KEY = env.str("WHATSAPP_INTAKE_KEY", default="")
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
# Erasure on request (letter, phone): allowed for this long after the look-up that found it.
ERASE_AFTER_LOOKUP_MINUTES = env.int("ERASE_AFTER_LOOKUP_MINUTES", default=15)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Titz Broadcast")
# Setting up an authenticator needs a one-time code an administrator issued (staff.enrolment).
OTP_ENROLMENT_CODE_HOURS = env.float("OTP_ENROLMENT_CODE_HOURS", default=72)
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
    "OFFICIAL_CONTACT_ADDRESS", default="Gemeindeverwaltung, Musterstraße 1, 12345 Musterstadt"
)
PRIVACY_NOTICE_URL = env.str("PRIVACY_NOTICE_URL", default="https://gemeinde.example/datenschutz")
# A chatty resident gets the "information service only" answer once per this period.
AUTO_REPLY_INTERVAL_HOURS = env.float("AUTO_REPLY_INTERVAL_HOURS", default=24)
# Every answer is a billed service message: one of a kind per resident per this period,
# and at most this many of all kinds per resident and 24 hours (0 = no cap).
REPLY_THROTTLE_MINUTES = env.float("REPLY_THROTTLE_MINUTES", default=10)
REPLY_DAILY_CAP = env.int("REPLY_DAILY_CAP", default=10)
# The consent log is kept for years: at most this many opt-ins per resident per 24 hours
# take effect (a further "Start" is refused and counted, not logged; 0 = no limit), and a
# resident's topic changes within this many minutes of a logged one become one entry.
OPT_INS_PER_DAY = env.int("OPT_INS_PER_DAY", default=3)
TOPIC_CHANGES_COALESCE_MINUTES = env.float("TOPIC_CHANGES_COALESCE_MINUTES", default=5)
CONSENT_LOG_RETENTION_DAYS = env.int("CONSENT_LOG_RETENTION_DAYS", default=1095)
# The Ed25519 key that signs the consent log's checkpoints (``subscribers.signing``):
# required, no fallback. Keys used before a rotation, ``PUBLIC_KEY:FROM:TO`` each.
CONSENT_SIGNING_KEY = env.str("CONSENT_SIGNING_KEY", default="")
CONSENT_SIGNING_RETIRED_KEYS = env.list("CONSENT_SIGNING_RETIRED_KEYS", default=[])
# Entries after the last signed checkpoint are tolerated this long (the nightly check signs
# every day); older unsigned entries mean checkpoints are missing or were removed.
CONSENT_CHECKPOINT_MAX_AGE_HOURS = env.float("CONSENT_CHECKPOINT_MAX_AGE_HOURS", default=48)

# --- Public pages (public/): sign-up, poster, archive, feeds, legal pages ---------------
# Everything residents read about the municipality and the law comes from here; empty in
# production until set (``public.checks`` warns about each empty one the pages show).
# The demo's values (Titz) are in dev.env. Free texts may hold several lines.
MUNICIPALITY_NAME = env.str("MUNICIPALITY_NAME", default="")
# Address, phone and e-mail of the administration (shown as written).
MUNICIPALITY_CONTACT = env.str("MUNICIPALITY_CONTACT", default="")
# The accent colour of the pages' header, as #rrggbb.
MUNICIPALITY_COLOR = env.str("MUNICIPALITY_COLOR", default="")
MUNICIPALITY_WEBSITE_URL = env.str("MUNICIPALITY_WEBSITE_URL", default="")
MUNICIPALITY_IMPRINT_URL = env.str("MUNICIPALITY_IMPRINT_URL", default="")
MUNICIPALITY_PRIVACY_URL = env.str("MUNICIPALITY_PRIVACY_URL", default="")
# The service's own WhatsApp business number (E.164) residents write "Start" to.
PUBLIC_WHATSAPP_NUMBER = env.str("PUBLIC_WHATSAPP_NUMBER", default="")
# GDPR Art. 13: the controller (name and address), its data-protection officer's contact,
# and the competent supervisory authority (name, address, website).
PRIVACY_CONTROLLER = env.str("PRIVACY_CONTROLLER", default="")
PRIVACY_DPO_CONTACT = env.str("PRIVACY_DPO_CONTACT", default="")
PRIVACY_SUPERVISORY_AUTHORITY = env.str("PRIVACY_SUPERVISORY_AUTHORITY", default="")
# The processor that delivers the messages: with the Cloud API always Meta (a business
# solution provider in between would be named here too).
PRIVACY_PROCESSOR = env.str(
    "PRIVACY_PROCESSOR",
    default="Meta Platforms Ireland Limited, Merrion Road, Dublin 4, D04 X2K5, Irland",
)
# BITV 2.0 accessibility statement: when it was last reviewed (free text, e.g. a date)
# and the state's enforcement/arbitration body residents may turn to.
ACCESSIBILITY_STATEMENT_DATE = env.str("ACCESSIBILITY_STATEMENT_DATE", default="")
ACCESSIBILITY_ENFORCEMENT_BODY = env.str("ACCESSIBILITY_ENFORCEMENT_BODY", default="")
# How long a reverse proxy or browser may reuse a public page (archive, feeds) unasked.
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=300)
# --- end public pages ------------------------------------------------------------------
# --- Data protection (privacy/): retention per store and the controller's data -----------
# The documents for the data-protection officer (privacy.documents) print these values;
# privacy.stores lists which store each one governs. Days unless the name says otherwise.
# Per-recipient delivery rows, counted from the end of the broadcast; afterwards only the
# per-announcement aggregates stay (announcements.retention).
DELIVERY_RETENTION_DAYS = env.int("DELIVERY_RETENTION_DAYS", default=30)
# Meta retries a status webhook for 7 days; a status unmatched after that is dropped.
UNMATCHED_STATUS_RETENTION_DAYS = env.int("UNMATCHED_STATUS_RETENTION_DAYS", default=7)
AUDIT_LOG_RETENTION_DAYS = env.int("AUDIT_LOG_RETENTION_DAYS", default=730)
# django-axes' records of staff log-ins (user name, address, browser).
LOGIN_ATTEMPT_RETENTION_DAYS = env.int("LOGIN_ATTEMPT_RETENTION_DAYS", default=90)
# Images and PDFs of finished announcements; 0 keeps them (for the municipal archive).
ANNOUNCEMENT_MEDIA_RETENTION_DAYS = env.int("ANNOUNCEMENT_MEDIA_RETENTION_DAYS", default=0)
# The controller, its officer and the supervisory authority: the public pages' block above.
# Art. 15 access over WhatsApp: the resident gets what is stored about them.
KEYWORDS_ACCESS = env.list("KEYWORDS_ACCESS", default=["Auskunft", "Meine Daten"])
# --- end data protection ------------------------------------------------------------------
# --- Residents: topics and languages (subscribers.topics, subscribers.languages) ---------
# "Themen" answers with the list of topics; "Themen Abfall Baustellen" / "Themen alle"
# choose by text. "Sprache" answers with the list of RESIDENT_LANGUAGES (codes with a
# catalog in locale/; German first, it is the default and the fallback).
KEYWORDS_TOPICS = env.list("KEYWORDS_TOPICS", default=["Themen", "Thema", "Topics"])
KEYWORDS_TOPICS_ALL = env.list("KEYWORDS_TOPICS_ALL", default=["alle", "all"])
KEYWORDS_LANGUAGE = env.list(
    "KEYWORDS_LANGUAGE",
    default=["Sprache", "Language", "Dil", "Мова", "Язык", "اللغة", "لغة"],
)
RESIDENT_LANGUAGES = env.list("RESIDENT_LANGUAGES", default=["de", "en", "tr", "uk", "ar", "ru"])
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
    # Retention: one purge per store of ``privacy.stores.STORES`` (the key is the argument);
    # ``privacy/tests/test_stores.py`` checks that every store with a purge is here.
    **{
        f"privacy.purge.{store}": {
            "task": "privacy.purge_store",
            "args": (store,),
            "schedule": hours * 3600.0,
        }
        for store, hours in (
            ("deliveries", 24),
            ("consent_log", 24),
            ("bookkeeping", 24),
            ("webhook_events", 6),
            ("unmatched_statuses", 1),
            ("audit_log", 24),
            ("sessions", 24),
            ("login_attempts", 24),
            ("announcement_media", 24),
        )
    },
    # Verifies the stored consent log against its signed checkpoints, then signs its head.
    "subscribers.nightly_consent_check": {
        "task": "subscribers.nightly_consent_check",
        "schedule": 24 * 3600.0,
    },
    # Topic changes held back to be logged as one entry (``subscribers.topics``).
    "subscribers.log_topic_choices": {
        "task": "subscribers.tasks.log_topic_choices",
        "schedule": 60.0,
    },
    # Uploads kept for a form with an error that was never corrected (composer).
    "announcements.purge_staged_uploads": {
        "task": "announcements.purge_staged_uploads",
        "schedule": 3600.0,
    },
    # Meta's rules (issue 16): the limits and the templates, should a webhook be missed.
    "whatsapp.refresh_limits": {"task": "whatsapp.tasks.refresh_limits", "schedule": 3600.0},
    "announcements.sync_templates": {
        "task": "announcements.sync_templates",
        "schedule": TEMPLATE_SYNC_SECONDS,
    },
}

# --- Official warnings from NINA (nina/) and mail to staff -------------------------------
# The district's ARS (12 digits, the last 7 zero: Kreis Düren is 053580000000). Empty: no
# import, no beat entry.
NINA_ARS = env.str("NINA_ARS", default="")
NINA_API_BASE_URL = env.str("NINA_API_BASE_URL", default="https://warnung.bund.de/api31")
NINA_PROVIDERS = env.list(
    "NINA_PROVIDERS", default=["MOWAS", "KATWARN", "BIWAPP", "DWD", "LHP", "POLICE"]
)
# Minor, Moderate, Severe or Extreme: less severe warnings are not imported.
NINA_MIN_SEVERITY = env.str("NINA_MIN_SEVERITY", default="Minor")
# The dashboard holds the whole Kreis: keep a warning whose area geocodes start with one of
# NINA_GEOCODES (the municipality's ARS or its first 9 digits), or whose areaDesc /
# warnVerwaltungsbereiche match NINA_AREA_PATTERN (a regular expression). Neither set:
# the whole Kreis.
NINA_GEOCODES = env.list("NINA_GEOCODES", default=[])
NINA_AREA_PATTERN = env.str("NINA_AREA_PATTERN", default="")
NINA_POLL_SECONDS = env.float("NINA_POLL_SECONDS", default=300.0)
# Severities sent at once, approved by the importer (audited as such); default none: every
# imported warning waits for a person's approval.
NINA_AUTO_SEND_SEVERITIES = env.list("NINA_AUTO_SEND_SEVERITIES", default=[])
# Severities that make the draft urgent (sent before everything else).
NINA_URGENT_SEVERITIES = env.list("NINA_URGENT_SEVERITIES", default=["Extreme", "Severe"])
# The approved WhatsApp template the drafts use (two parameters: headline, text).
NINA_TEMPLATE = env.str("NINA_TEMPLATE", default="titz_warnung")
# The link in each message when the warning names no web page of its own.
NINA_WEB_URL = env.str("NINA_WEB_URL", default="https://warnung.bund.de/meldungen/{id}")
NINA_CONNECT_TIMEOUT = env.float("NINA_CONNECT_TIMEOUT", default=3.05)
NINA_READ_TIMEOUT = env.float("NINA_READ_TIMEOUT", default=10.0)
# The whole request (connect, redirects on NINA's own host, every byte of the answer)
# must be done within this; a NINA trickling its answer is given up then (``nina.client``).
NINA_TOTAL_TIMEOUT = env.float("NINA_TOTAL_TIMEOUT", default=20.0)
# A larger answer is refused unread (the district dashboard is a few hundred kB at most).
NINA_MAX_BYTES = env.int("NINA_MAX_BYTES", default=5 * 1024 * 1024)
if NINA_ARS:
    CELERY_BEAT_SCHEDULE["nina.poll"] = {"task": "nina.poll", "schedule": NINA_POLL_SECONDS}
# Mail to staff (an imported warning waits for approval): smtp://user:pass@host:587 with
# TLS as ``submit://...``; dev.env uses the console.
vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="titz-broadcast@localhost")
# This service's address as staff open it, for links in mails (e.g. https://warnung.example).
SITE_URL = env.str("SITE_URL", default="")
# Who is mailed when something stops (``alerts``): comma-separated addresses; empty mails
# every active staff member with an e-mail address who may approve (the "Freigabe" role).
ALERT_EMAILS = env.list("ALERT_EMAILS", default=[])
# --- end NINA -------------------------------------------------------------------------

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
