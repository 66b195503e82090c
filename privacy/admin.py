"""The purge runs, read-only; their list links to the documents (``views``)."""

from django.contrib import admin

from audit.admin import ReadOnlyModelAdmin

from .models import PurgeRun


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyModelAdmin):
    list_display = ["store", "started_at", "finished_at", "removed", "error"]
    list_filter = ["store"]
    date_hierarchy = "started_at"
