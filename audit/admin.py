"""Read-only admin for the audit log: visible to superusers and the Prüfung group."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from . import actions
from .models import AuditEntry


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """An admin that shows rows but never adds, changes or deletes them: for records that
    only code writes (the audit log, the consent log, templates synced from Meta)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ActionFilter(admin.SimpleListFilter):
    """Filter by action, offered in words (only the actions the log holds)."""

    title = _("Action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        used = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((code, actions.label(code)) for code in set(used)), key=lambda c: c[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["at", "username", "action_words", "target"]
    list_filter = [ActionFilter]
    search_fields = ["username", "action", "target"]
    date_hierarchy = "at"
    fields = ["at", "username", "action_words", "target", "details_words"]
    readonly_fields = fields

    @admin.display(description=_("Action"), ordering="action")
    def action_words(self, obj):
        return actions.label(obj.action)

    @admin.display(description=_("Details"))
    def details_words(self, obj):
        if not obj.details:
            return "-"
        return format_html_join("", "{}: {}<br>", actions.details_text(obj.details))
