"""Staff screens for announcements and templates.

The admin only shows and asks; every state change goes through ``services`` (guarded,
logged). Which buttons exist, when and for whom, is ``services.ACTIONS``: the admin keeps
no list of its own, so a button cannot offer what the service would refuse. Buttons on the
change form post to one transition view, so each button is one service call and one audit
entry.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.timezone import get_current_timezone, is_naive, make_aware
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit
from audit.admin import ReadOnlyModelAdmin

from . import approval_checks, media, services, stats, template_health, templating
from .engine import planner
from .forms import AnnouncementForm
from .models import Announcement, MessageTemplate
from .template_sync import sync_templates

Status = Announcement.Status
# Set by the form itself from what staff typed (automatic template and parameters, the
# WhatsApp media id reset by a new file), so not in ``changed_data``; saved when they differ.
DERIVED_FIELDS = {"template", "template_params", "media_id"}
HISTORY_FIELDS = [
    "status",
    "created_by",
    "created_at",
    "submitted_by",
    "submitted_at",
    "approved_by",
    "approved_at",
    "content_editors",
    "cancelled_by",
    "cancelled_at",
    "started_at",
    "finished_at",
    "pause_reason",
]


def _parse_when(raw):
    if not raw:
        return None
    when = parse_datetime(raw)
    if when is None:
        raise services.TransitionError(_("Bitte Datum und Uhrzeit angeben."))
    return make_aware(when, get_current_timezone()) if is_naive(when) else when


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    form = AnnouncementForm
    change_form_template = "admin/announcements/announcement/change_form.html"
    list_display = ["title", "category", "urgent", "status", "scheduled_at", "created_by"]
    list_filter = ["status", "category", "urgent"]
    search_fields = ["title"]
    date_hierarchy = "created_at"

    def get_fieldsets(self, request, obj=None):
        readonly_media = "media_file" in self.get_readonly_fields(request, obj)
        media_field = "media_file" if readonly_media else "media"
        fieldsets = [
            (None, {"fields": ["title", "category", "urgent", "body", media_field]}),
            (
                _("WhatsApp-Vorlage (optional)"),
                {"fields": ["template", "params_text"], "classes": ["collapse"]},
            ),
            (_("Zeitplan"), {"fields": ["scheduled_at"]}),
        ]
        if obj is not None:
            fieldsets.append((_("Verlauf"), {"fields": HISTORY_FIELDS}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(HISTORY_FIELDS)
        if not request.user.has_perm("announcements.approve_announcement"):
            readonly.append("scheduled_at")
        if obj is not None and not self.has_change_permission(request, obj):
            readonly += ["title", "category", "urgent", "body", "media_file", "template"]
        return readonly

    @admin.display(description=gettext_lazy("Bild oder PDF"))
    def media_file(self, obj):
        """A read-only file, linked to the protected view (Django's links to MEDIA_URL)."""
        if not obj.media:
            return None
        label = _("PDF-Dokument") if _media_kind(obj) == "document" else _("Bild")
        url = reverse("admin:announcement_media", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, label)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("template", "created_by")
        if request.user.has_perm("announcements.view_announcement"):
            return queryset
        return queryset.filter(started_at__isnull=False)

    def has_view_permission(self, request, obj=None):
        if super().has_view_permission(request, obj):
            return True
        allowed = request.user.has_perm("announcements.view_statistics")
        return allowed and (obj is None or obj.started_at is not None)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self.has_view_permission(request)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status not in services.EDITABLE:
            return False
        return self._may_edit(request, obj)

    def _may_edit(self, request, obj=None):
        """Change permission, and for Redaktion authorship, whatever the status now is."""
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        user = request.user
        return obj.created_by_id == user.pk or user.has_perm("announcements.approve_announcement")

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.status == Status.DRAFT)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            obj.content_editors.add(request.user)
            audit.record(
                request.user,
                "announcement.create",
                obj,
                announcement_id=obj.pk,
                fields=sorted(form.changed_data),
            )
            return
        # Not ``obj.save()``: that would write the whole copy the form was built from,
        # status included. The service writes only what changed, on the locked row.
        model_fields = {field.name for field in obj._meta.concrete_fields}
        fields = {name for name in form.changed_data if name in model_fields}
        fields |= DERIVED_FIELDS
        if services.save_edit(obj, request.user, fields):
            messages.warning(
                request,
                _("Die Nachricht wurde geändert und ist wieder ein Entwurf; bitte neu einreichen."),
            )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A form opened before sending started and saved after: a German note, not a 403."""
        if request.method == "POST" and object_id is not None:
            current = self.get_object(request, unquote(object_id))
            if current is not None and not current.is_editable and self._may_edit(request, current):
                return self._edit_refused(
                    request,
                    services.NotEditable(current, services.not_editable_message(current)),
                )
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.NotEditable as refusal:  # sending started while the form was saved
            return self._edit_refused(request, refusal)

    def _edit_refused(self, request, refusal):
        announcement = refusal.announcement
        audit.record(
            request.user,
            "announcement.edit_refused",
            announcement,
            announcement_id=announcement.pk,
            status=announcement.status,
        )
        messages.error(request, refusal.message)
        return redirect("admin:announcements_announcement_change", announcement.pk)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/aktion/<str:action>/",
                view(self.transition_view),
                name="announcement_transition",
            ),
            path("<int:pk>/statistik.csv", view(self.export_view), name="announcement_export"),
            path("<int:pk>/datei/", view(self.media_view), name="announcement_media"),
            *super().get_urls(),
        ]

    def transition_view(self, request, pk, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        spec = services.ACTIONS.get(action)
        if spec is None or not spec.is_button:  # engine steps and editing have no button
            raise Http404
        announcement = get_object_or_404(Announcement, pk=pk)
        try:
            self._run(request, announcement, action)
        except PermissionDenied as error:
            messages.error(request, str(error) or _("Dazu fehlt Ihnen die Berechtigung."))
        except services.TransitionError as error:
            messages.error(request, error.message)
        return redirect("admin:announcements_announcement_change", pk)

    def _run(self, request, announcement, action):
        user = request.user
        if action == "test_send":
            sent, failed = services.send_test_message(announcement, user)
            messages.success(request, _("Testsendung an %(n)d Nummer(n) verschickt.") % {"n": sent})
            for explanation in failed:
                messages.error(request, _("Testsendung fehlgeschlagen: %(e)s") % {"e": explanation})
            return
        if action == "approve":
            when = _parse_when(request.POST.get("scheduled_at"))
            confirmed = request.POST.get("confirm_marketing") == "1"
            services.approve(announcement, user, when, confirm_marketing=confirmed)
        elif action == "schedule":
            when = _parse_when(request.POST.get("scheduled_at"))
            services.schedule(announcement, user, when)
        elif action == "pause":
            services.pause(announcement, user, request.POST.get("reason", "").strip())
        else:
            getattr(services, action)(announcement, user)
        messages.success(request, services.ACTIONS[action].done)

    def export_view(self, request, pk):
        announcement = get_object_or_404(self.get_queryset(request), pk=pk)
        if not request.user.has_perm("announcements.export_statistics"):
            raise PermissionDenied
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="nachricht-{pk}-zustellung.csv"'
        stats.write_csv(announcement, response)
        audit.record(request.user, "announcement.export", announcement, announcement_id=pk)
        return response

    def media_view(self, request, pk):
        """The attached file, for the preview; only for people who may see the message."""
        announcement = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, announcement) or not announcement.media:
            raise Http404
        # Type from the stored content and safe headers: the file must not act as a page.
        return media.media_response(announcement.media, f"nachricht-{announcement.pk}")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        announcement = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if announcement is not None and self.has_view_permission(request, announcement):
            extra_context.update(self._panel_context(request, announcement))
        return super().change_view(request, object_id, form_url, extra_context)

    def _panel_context(self, request, announcement):
        """Preview, reach, workflow buttons and delivery statistics for the change form."""
        text = ""
        if announcement.template is not None:
            text = templating.render_body(announcement.template.body, announcement.template_params)
        recipients = stats.subscriber_count()
        own = bool(services.involvement(announcement, request.user))
        context = {
            "preview_html": templating.whatsapp_to_html(text),
            "preview_length": len(text),
            "preview_media_kind": _media_kind(announcement),
            "preview_media_url": reverse("admin:announcement_media", args=[announcement.pk])
            if announcement.media
            else "",
            "recipients": recipients,
            # The planner's waves: the messaging limit less what the last 24 h used up.
            # Once started, the deliveries are planned and would count against themselves.
            "days_needed": len(planner.audience_plan()) if announcement.started_at is None else 1,
            "workflow_actions": services.available_actions(announcement, request.user),
            "self_approval_blocked": own and not settings.ALLOW_SELF_APPROVAL,
            # Cost, budget, template health (issue 16): rendered by approval_checks.html.
            "approval": approval_checks.check(announcement),
        }
        if announcement.started_at is not None:
            context["delivery_counts"] = stats.delivery_counts(announcement)
            context["failures"] = stats.failure_breakdown(announcement)
            context["can_export"] = request.user.has_perm("announcements.export_statistics")
        return context


def _media_kind(announcement):
    if not announcement.media:
        return ""
    return "document" if announcement.media.name.lower().endswith(".pdf") else "image"


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ReadOnlyModelAdmin):
    """Read-only: templates are created and approved at Meta, only mirrored here."""

    change_list_template = "admin/announcements/messagetemplate/change_list.html"
    # "health" is the status in German, with a re-categorisation (template_health).
    list_display = [
        "name", "language", "category", "health", "quality", "header_type", "param_count"
    ]  # fmt: skip
    list_filter = ["status", "category", "language"]

    @admin.display(description=gettext_lazy("Zustand bei WhatsApp"))
    def health(self, template):
        return template_health.health_label(template)

    @admin.display(description=gettext_lazy("Qualität"))
    def quality(self, template):
        return template_health.quality_label(template)

    search_fields = ["name", "body"]
    actions = ["sync_action"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.sync_view)
        return [path("abgleichen/", view, name="messagetemplate_sync"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["can_sync"] = self.has_sync_permission(request)
        return super().changelist_view(request, extra_context)

    def _sync(self, request):
        if not self.has_sync_permission(request):
            raise PermissionDenied
        created, updated, gone = sync_templates()
        audit.record(
            request.user, "templates.sync", "", created=created, updated=updated, gone=gone
        )
        messages.success(
            request,
            _("Vorlagen abgeglichen: %(c)d neu, %(u)d aktualisiert, %(g)d nicht mehr vorhanden.")
            % {"c": created, "u": updated, "g": gone},
        )

    def sync_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._sync(request)
        return redirect("admin:announcements_messagetemplate_changelist")

    def has_sync_permission(self, request):
        return request.user.has_perm("announcements.sync_messagetemplate")

    @admin.action(
        description=gettext_lazy("Vorlagen mit WhatsApp abgleichen"), permissions=["sync"]
    )
    def sync_action(self, request, queryset):
        self._sync(request)
