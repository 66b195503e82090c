"""System check: the controller's data the documents and the Art. 13 text print.

A warning, not an error: an empty field leaves a gap in the paper, it does not endanger
anyone's data, and the service may start before the officer has signed off.
"""

from django.conf import settings
from django.core.checks import Warning, register

CONTROLLER_SETTINGS = (
    "MUNICIPALITY_NAME",
    "PRIVACY_CONTROLLER",
    "PRIVACY_DPO_CONTACT",
    "PRIVACY_SUPERVISORY_AUTHORITY",
)


@register()
def controller_data_is_set(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    return [
        Warning(
            f"{name} is empty: the data-protection documents and the sign-up information "
            "name no controller there.",
            hint=f"Set {name} in the environment (see .env.example).",
            id="privacy.W001",
        )
        for name in CONTROLLER_SETTINGS
        if not str(getattr(settings, name, "")).strip()
    ]
