"""The simulator's knobs: identity, webhook delivery and fault injection.

One dataclass serves three sources in a fixed order: defaults, then the environment (the
same variable names the Django app reads, so both sides agree on the secret and ids), then
CLI flags or a JSON ``POST /_sim/config``. Updates are validated field by field so a typo
in a benchmark script fails loudly instead of silently injecting nothing.
"""

import dataclasses
import os
import typing
from dataclasses import dataclass, field

# Environment names shared with the Django settings; other fields use SIMULATOR_<NAME>.
SHARED_ENV_NAMES = {
    "app_secret": "WHATSAPP_APP_SECRET",
    "phone_number_id": "WHATSAPP_PHONE_NUMBER_ID",
    "waba_id": "WHATSAPP_BUSINESS_ACCOUNT_ID",
    "webhook_url": "SIMULATOR_WEBHOOK_URL",
}

# Settable through ``POST /_sim/config``, never returned by it (``public_dict``).
SECRET_FIELDS = ("app_secret", "access_token")
UNDELIVERABLE_MODES = ("async", "sync")
MEDIA_FAULTS = ("", "refused", "server_error")
SERVER_ERROR_CODES = (131000, 2)


@dataclass
class SimulatorConfig:
    # --- identity -------------------------------------------------------------------
    app_secret: str = "dev-app-secret"  # noqa: S105 - the demo value of dev.env
    phone_number_id: str = "100000000000001"
    waba_id: str = "200000000000001"
    display_phone_number: str = "4924639990"
    # Empty: any non-empty bearer token is accepted; else only this one.
    access_token: str = ""
    # --- status webhooks --------------------------------------------------------------
    # Empty: statuses still progress in memory, nothing is posted.
    webhook_url: str = "http://127.0.0.1:8000/whatsapp/webhook/"
    sent_delay_ms: int = 50
    delivered_delay_ms: int = 300
    read_delay_ms: int = 1500
    read_share: float = 0.7
    webhook_batch_size: int = 100
    webhook_linger_ms: int = 20
    webhook_max_attempts: int = 5
    webhook_timeout_s: float = 10.0
    # Meta documents the echo only for sent/delivered/read; off by default so the app
    # must match failed statuses by wamid, as it will have to in production.
    callback_data_on_failed: bool = False
    # --- fault injection --------------------------------------------------------------
    seed: int | None = None
    rate_limit_share: float = 0.0
    server_error_share: float = 0.0
    server_error_code: int = 131000
    delay_ms: int = 0
    timeout_share: float = 0.0
    timeout_seconds: float = 20.0
    undeliverable: list[str] = field(default_factory=list)
    undeliverable_mode: str = "async"
    pair_limit: bool = False
    pair_limit_burst: int = 45
    pair_limit_interval_s: float = 6.0
    # Meta's messaging limit (unique recipients of templates per moving 24 h, the tier of
    # ``/_sim/account``): beyond it a message is accepted but never delivered, as Meta
    # does. Off by default (it keeps every recipient in memory). ``clock_offset_s``
    # moves the limit's clock, for tests that jump a day ahead.
    enforce_messaging_limit: bool = False
    clock_offset_s: float = 0.0
    # Reject templates that are unknown, not approved or sent with the wrong parameter
    # count (132001 / 132000), as Meta does.
    strict_templates: bool = True
    # Media uploads: "refused" answers 131053 (a file Meta cannot process: the app must
    # pause and name the file), "server_error" 131000 (passing: the app must try again).
    media_fault: str = ""
    # --- the NINA stand-in (simulator/nina.py) ----------------------------------------
    # Start with one MoWaS warning for Titz (the demo; tests add their own).
    nina_demo: bool = False

    @classmethod
    def from_env(cls, environ=None):
        environ = os.environ if environ is None else environ
        values = {}
        for f in dataclasses.fields(cls):
            name = SHARED_ENV_NAMES.get(f.name, f"SIMULATOR_{f.name.upper()}")
            if name in environ:
                values[f.name] = environ[name]
        return cls().updated(values)

    def updated(self, values):
        """Return a copy with ``values`` applied; raise ValueError naming the bad key."""
        known = {f.name: f for f in dataclasses.fields(self)}
        changes = {}
        for key, raw in values.items():
            if key not in known:
                raise ValueError(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
            changes[key] = _coerce(key, known[key].type, raw)
        result = dataclasses.replace(self, **changes)
        result.check()
        return result

    def check(self):
        for name in ("rate_limit_share", "server_error_share", "timeout_share", "read_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.rate_limit_share + self.server_error_share + self.timeout_share > 1.0:
            raise ValueError("the fault shares together must not exceed 1")
        if self.undeliverable_mode not in UNDELIVERABLE_MODES:
            raise ValueError(f"undeliverable_mode must be one of {UNDELIVERABLE_MODES}")
        if self.media_fault not in MEDIA_FAULTS:
            raise ValueError(f"media_fault must be one of {MEDIA_FAULTS}")
        if self.server_error_code not in SERVER_ERROR_CODES:
            raise ValueError(f"server_error_code must be one of {SERVER_ERROR_CODES}")
        if self.webhook_batch_size < 1 or self.webhook_max_attempts < 1:
            raise ValueError("webhook_batch_size and webhook_max_attempts must be >= 1")

    def as_dict(self):
        return dataclasses.asdict(self)

    def public_dict(self):
        """The settings as the control API shows them: without the secrets.

        Any page the browser opens could try to read ``/_sim/config``; the app secret
        signs webhooks and must stay with whoever started the simulator.
        """
        values = self.as_dict()
        for name in SECRET_FIELDS:
            values.pop(name)
        return values


def _coerce(key, annotation, raw):
    """Turn an env/CLI string or a JSON value into the field's type."""
    try:
        if typing.get_origin(annotation) is list:
            if isinstance(raw, str):
                raw = raw.split(",")
            return [str(item).strip().lstrip("+") for item in raw if str(item).strip()]
        if annotation is bool:
            if isinstance(raw, str):
                return raw.strip().lower() in ("1", "true", "yes", "on")
            return bool(raw)
        if annotation == int | None:
            return None if raw in (None, "") else int(raw)
        return annotation(raw)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{key}: cannot use {raw!r} ({exc})") from exc
