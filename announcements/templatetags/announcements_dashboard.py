"""``{% service_overview as overview %}`` for the admin index template."""

from django import template

from announcements.dashboard import overview

register = template.Library()


@register.simple_tag
def service_overview():
    return overview()
