"""Permissions in words, for the user and group forms: "Nachrichten freigeben, planen und
senden" instead of "announcements | announcement | Can approve, schedule and send".

Permission names are stored in English when the tables are created (Django writes
"Can add ..."), so the forms label them from here. Only permissions of tables the admin
shows are offered: granting one for a table only code writes (the chain head, the reply
throttle, the login libraries' originals behind their German proxies) would mean nothing.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

CUSTOM = {
    "submit_announcement": _("Submit messages for approval"),
    "test_send_announcement": _("Send tests to the test numbers"),
    "approve_announcement": _("Approve, schedule and send messages"),
    "cancel_announcement": _("Pause, resume and stop sending, discard messages"),
    "view_statistics": _("View delivery statistics"),
    "export_statistics": _("Export delivery statistics"),
    "sync_messagetemplate": _("Synchronise templates with WhatsApp"),
    "export_consentevent": _("Export consent log"),
    "lookup_consentevent": _("Look up consent records for a number"),
    "erase_on_request": _("Erase a subscription on request after a look-up"),
}
STANDARD = {
    "add": _("%(models)s: add"),
    "change": _("%(models)s: change"),
    "delete": _("%(models)s: delete"),
    "view": _("%(models)s: view"),
}


def describe(permission) -> str:
    """The German label of ``permission`` (a ``Permission`` with its content type)."""
    content_type = permission.content_type
    model = content_type.model_class()
    models = model._meta.verbose_name_plural if model else content_type.model
    if permission.codename in CUSTOM:
        return str(CUSTOM[permission.codename])
    verb = permission.codename.split("_", 1)[0]
    if verb in STANDARD:
        return str(STANDARD[verb]) % {"models": models}
    return permission.name


def grantable_content_types(admin_site):
    """The content types of the models ``admin_site`` shows."""
    shown = [model for model in apps.get_models() if admin_site.is_registered(model)]
    return list(ContentType.objects.get_for_models(*shown, for_concrete_models=False).values())
