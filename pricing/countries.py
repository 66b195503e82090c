"""Country calling codes as the screen shows them, and the code a subscriber is priced as.

The code itself is read from the number at "Start" (``whatsapp.numbers.calling_code``).
"""

import phonenumbers
from django.conf import settings
from phonenumbers import geocoder


def priced_code(code):
    """The code a subscriber is priced as: their own, else the default country's."""
    return code or settings.PRICING_DEFAULT_CALLING_CODE


def country_name(code):
    """German name of the country of ``code`` ("49" -> "Deutschland (+49)"), else "+code"."""
    region = phonenumbers.region_code_for_country_code(int(code)) if code.isdigit() else None
    example = phonenumbers.example_number(region) if region else None
    name = geocoder.country_name_for_number(example, "de") if example else ""
    return f"{name} (+{code})" if name else f"+{code}"
