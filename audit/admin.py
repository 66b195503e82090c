"""Read-only admin for the audit log: visible to superusers and the Prüfung group."""

from django.contrib import admin

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


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["at", "username", "action", "target"]
    list_filter = ["action"]
    search_fields = ["username", "action", "target"]
    date_hierarchy = "at"
