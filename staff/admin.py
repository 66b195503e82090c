"""The login libraries' tables in German: who has a second factor, who is locked out.

Replaces the English admins of django-otp and django-axes. What a superuser needs from
them is to see and to remove: deleting an Authenticator-App makes its owner enrol a new
one at the next login (a lost phone); deleting a lock lets the person try again at once.
Nothing is added or edited here: enrolment is the person's own step (``staff.views``).
The axes access logs are not shown: logins and failures are in the audit log. The user
and group forms name permissions in words.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

import audit
from titz_broadcast import widgets

from . import enrolment, permission_words
from .models import AuthenticatorApp, LoginLock

User = get_user_model()

for model in (TOTPDevice, AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class SeeAndRemoveAdmin(admin.ModelAdmin):
    actions = ["delete_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuthenticatorApp)
class AuthenticatorAppAdmin(SeeAndRemoveAdmin):
    list_display = ["owner", "app_name", "is_confirmed", "created", "last_used"]
    search_fields = ["user__username"]
    fields = list_display
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @admin.display(description=_("User"), ordering="user__username")
    def owner(self, obj):
        return obj.user.get_username()

    @admin.display(description=_("Label"))
    def app_name(self, obj):
        return obj.name

    @admin.display(description=_("Configured"), boolean=True)
    def is_confirmed(self, obj):
        return obj.confirmed

    @admin.display(description=_("Created at"), ordering="created_at")
    def created(self, obj):
        return obj.created_at

    @admin.display(description=_("Last used"), ordering="last_used_at")
    def last_used(self, obj):
        return obj.last_used_at


@admin.register(LoginLock)
class LoginLockAdmin(SeeAndRemoveAdmin):
    list_display = ["typed_name", "address", "failures", "state", "when"]
    search_fields = ["username", "ip_address"]
    fields = list_display
    readonly_fields = fields
    date_hierarchy = "attempt_time"

    @admin.display(description=_("User name typed"), ordering="username")
    def typed_name(self, obj):
        return obj.username

    @admin.display(description=_("Address"))
    def address(self, obj):
        return obj.ip_address

    @admin.display(description=_("Failed attempts"), ordering="failures_since_start")
    def failures(self, obj):
        return obj.failures_since_start

    @admin.display(description=_("State"))
    def state(self, obj):
        if obj.failures_since_start >= settings.AXES_FAILURE_LIMIT:
            return _("disabled")
        return _("%(left)d attempts left") % {
            "left": settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        }

    @admin.display(description=_("Last attempt"), ordering="attempt_time")
    def when(self, obj):
        return obj.attempt_time


class GermanPermissionsMixin:
    """The user and group forms: permissions in words (``permission_words``), as check
    boxes (Django's two-list picker carries ARIA attributes axe-core rejects as serious),
    and dates with labelled inputs."""

    filter_horizontal = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return widgets.labelled(super().formfield_for_dbfield(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        kwargs["widget"] = forms.CheckboxSelectMultiple
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions"):
            field.queryset = field.queryset.filter(
                content_type__in=permission_words.grantable_content_types(self.admin_site)
            ).select_related("content_type")
            field.label_from_instance = permission_words.describe
        return field


admin.site.unregister(Group)
admin.site.unregister(User)


@admin.register(Group)
class GroupAdmin(GermanPermissionsMixin, BaseGroupAdmin):
    pass


@admin.register(User)
class UserAdmin(GermanPermissionsMixin, BaseUserAdmin):
    actions = ["issue_enrolment_codes"]

    @admin.action(description=_("Issue a set-up code for two-factor login"), permissions=["change"])
    def issue_enrolment_codes(self, request, queryset):
        """Show each chosen user's new one-time code once, on this page only (never stored)."""
        codes = []
        for user in queryset.order_by("username"):
            codes.append((user, enrolment.issue(user, request.user.get_username())))
            audit.record(request.user, "otp.enrolment_code_issued", user.get_username())
        context = {
            **self.admin_site.each_context(request),
            "codes": codes,
            "hours": settings.OTP_ENROLMENT_CODE_HOURS,
            "opts": self.opts,
            "title": _("Set-up codes for two-factor login"),
        }
        return TemplateResponse(request, "staff/enrolment_codes.html", context)
