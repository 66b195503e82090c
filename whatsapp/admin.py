"""Read-only view of the webhook event store, for staff checking on failed dispatches.

The encrypted ``data`` is never shown; ids, timing and the (scrubbed) last error are.
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import WebhookEvent


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("key", "kind", "received_at", "processed_at", "attempts", "next_attempt_at")
    list_filter = ("kind", ("processed_at", admin.EmptyFieldListFilter))
    search_fields = ("key",)
    date_hierarchy = "received_at"
    fields = (*list_display, "last_error")
    readonly_fields = fields
    actions = ("retry_now",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Reprocess now"), permissions=["view"])
    def retry_now(self, request, queryset):
        count = queryset.filter(processed_at__isnull=True).update(
            next_attempt_at=timezone.now(), attempts=0
        )
        message = _("Reprocessing %(count)d event(s).") % {"count": count}
        self.message_user(request, message)
