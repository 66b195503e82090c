"""The overview's banner: every open alert, until it is resolved (``alerts.services``)."""

from django import template

from .. import services

register = template.Library()


@register.inclusion_tag("alerts/banner.html")
def alerts_banner():
    return {"alerts": list(services.open_alerts())}
