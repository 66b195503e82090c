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
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import Resolver404, path, resolve, reverse
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.timezone import get_current_timezone, is_naive, localtime, make_aware
from django.utils.timezone import now as current_time
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit
from audit.admin import ReadOnlyModelAdmin

from . import (
    approval_checks,
    audience,
    composer,
    media,
    preview,
    services,
    staging,
    stats,
    template_health,
)
from .admin_audience import AudienceAdminMixin, VersionInline
from .engine import planner
from .forms import AnnouncementForm, composable_templates
from .models import Announcement, MessageTemplate
from .template_sync import sync_templates

Status = Announcement.Status
# Set by the form itself from what staff typed (automatic template and parameters, the
# WhatsApp media id reset by a new file), so not in ``changed_data``; saved when they differ.
DERIVED_FIELDS = {"template", "template_chosen", "template_params", "media_id", "media", "heading"}
# The panels of the change form, in order: each a template under
# ``announcements/panels/`` that reads the context ``_panel_context`` builds. A new block
# (topics, language versions, cost) is one template and one entry here.
PANELS = ["preview", "audience", "approval", "workflow", "delivery"]
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
        raise services.TransitionError(_("Please enter a date and time."))
    return make_aware(when, get_current_timezone()) if is_naive(when) else when


def when_text(when):
    """A sending time as staff read it everywhere: "Mo, 12.01.2027, 09:00 Uhr"."""
    local = localtime(when)
    weekday = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")][
        local.weekday()
    ]
    return _("%(day)s, %(date)s, %(time)s") % {
        "day": weekday,
        "date": f"{local:%d.%m.%Y}",
        "time": f"{local:%H:%M}",
    }


def _done_message(action, announcement):
    """The action's success message, with the sending time where there is one."""
    if action in ("approve", "schedule") and announcement.scheduled_at:
        return _("The message is approved and will be sent on %(when)s.") % {
            "when": when_text(announcement.scheduled_at)
        }
    if action == "approve":
        return _("The message is approved and is being sent now.")
    return services.ACTIONS[action].done


@admin.register(Announcement)
class AnnouncementAdmin(AudienceAdminMixin, admin.ModelAdmin):
    form = AnnouncementForm
    inlines = [VersionInline]
    change_form_template = "admin/announcements/announcement/change_form.html"
    list_display = ["status", "planned", "title", "category", "urgent", "created_by"]
    list_display_links = ["status", "title"]
    list_filter = ["status", "category", "urgent"]
    search_fields = ["title"]
    date_hierarchy = "created_at"

    class Media:
        css = {"all": ["announcements/composer.css"]}
        js = ["announcements/composer.js"]

    def get_fieldsets(self, request, obj=None):
        readonly_media = "media_file" in self.get_readonly_fields(request, obj)
        media_field = "media_file" if readonly_media else "media"
        fieldsets = [
            (None, {"fields": ["title", "category", "urgent", "in_archive"]}),
            (_("Recipients"), {"fields": ["topics"]}),
            (
                _("Message to the subscribers"),
                {"fields": ["heading", "body", media_field]},
            ),
            _template_fieldset(obj),
            (_("Validity"), {"fields": ["valid_until"]}),
        ]
        if obj is not None:
            fieldsets.append((_("History"), {"fields": HISTORY_FIELDS}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(HISTORY_FIELDS)
        if obj is not None and not self.has_change_permission(request, obj):
            readonly += [
                "title",
                "category",
                "urgent",
                "heading",
                "body",
                "media_file",
                "template",
                "valid_until",
                "in_archive",
                "topics",
            ]
        return readonly

    @admin.display(description=gettext_lazy("scheduled for"), ordering="scheduled_at")
    def planned(self, obj):
        return when_text(obj.scheduled_at) if obj.scheduled_at else "-"

    @admin.display(description=gettext_lazy("Image or PDF"))
    def media_file(self, obj):
        """A read-only file, linked to the protected view (Django's links to MEDIA_URL)."""
        if not obj.media:
            return None
        label = _("PDF document") if _media_kind(obj) == "document" else _("Image")
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
                _("The message was changed and is a draft again; please submit it again."),
            )

    def response_add(self, request, obj, post_url_continue=None):
        if "_submit" in request.POST:
            return self._submit_saved(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_submit" in request.POST:
            return self._submit_saved(request, obj)
        return super().response_change(request, obj)

    def _submit_saved(self, request, obj):
        """ "Einreichen" on the form: what was just saved is what is submitted."""
        try:
            services.submit(obj, request.user)
        except PermissionDenied as error:
            messages.error(request, str(error) or _("You do not have permission to do that."))
        except services.TransitionError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Saved and submitted for approval: “%(title)s”.") % {"title": obj},
            )
        return redirect("admin:announcements_announcement_change", obj.pk)

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
            path("vorschau/", view(self.preview_view), name="announcement_preview"),
            path("hochgeladen/<str:token>/", view(self.staged_view), name="announcement_staged"),
            *super().get_urls(),
        ]

    def transition_view(self, request, pk, action):
        spec = services.ACTIONS.get(action)
        if spec is None or not spec.is_button:  # engine steps and editing have no button
            raise Http404
        announcement = get_object_or_404(self.get_queryset(request), pk=pk)
        if request.method == "GET" and spec.confirm:
            return self._confirm_page(request, announcement, action, spec)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            self._run(request, announcement, action)
        except PermissionDenied as error:
            messages.error(request, str(error) or _("You do not have permission to do that."))
        except services.TransitionError as error:
            messages.error(request, error.message)
        return redirect("admin:announcements_announcement_change", pk)

    def _confirm_page(self, request, announcement, action, spec):
        """Ask before what cannot be undone (no script needed: a page and a POST)."""
        if not request.user.has_perm(f"announcements.{spec.permission}"):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": announcement,
            "title": spec.label,
            "action": action,
            "spec": spec,
            "applies": spec.applies_to(announcement),
        }
        return TemplateResponse(request, "admin/announcements/announcement/confirm.html", context)

    def _run(self, request, announcement, action):
        user = request.user
        if action == "test_send":
            sent, failed = services.send_test_message(announcement, user)
            messages.success(request, _("Test message sent to %(n)d number(s).") % {"n": sent})
            for explanation in failed:
                messages.error(request, _("Test send failed: %(e)s") % {"e": explanation})
            return
        if action in ("approve", "schedule"):
            when = _parse_when(request.POST.get("scheduled_at"))
            if request.POST.get("timing") == "later" and when is None:
                raise services.TransitionError(
                    _("Please enter the date and time at which to send.")
                )
            if request.POST.get("timing") == "now":
                when = None
            if action == "schedule" and when is None:
                raise services.TransitionError(_("Please enter a date and time."))
            if action == "approve":
                confirmed = request.POST.get("confirm_marketing") == "1"
                announcement = services.approve(
                    announcement, user, when, confirm_marketing=confirmed
                )
            else:
                announcement = services.schedule(announcement, user, when)
        elif action == "pause":
            services.pause(announcement, user, request.POST.get("reason", "").strip())
        else:
            getattr(services, action)(announcement, user)
        messages.success(request, _done_message(action, announcement))

    def preview_view(self, request):
        """The phone preview of the form as it is now, for the composer's live preview."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self._may_edit(request)):
            raise PermissionDenied
        data = request.POST
        kind = data.get("media_kind", "")
        kind = kind if kind in ("image", "document") else ""
        templates = composable_templates()
        chosen = next((t for t in templates if str(t.pk) == data.get("template")), None)
        heading, body = data.get("heading", ""), data.get("body", "")
        if chosen is None:
            composition = composer.pick(templates, kind, heading, body)
        else:
            composition = composer.compose(chosen, heading, body)
        context = _preview_context(composition, kind, _own_media_url(data.get("media_url", "")))
        html = render_to_string("announcements/phone_preview.html", context, request)
        return JsonResponse({"html": html, "counter": composition.counter()})

    def staged_view(self, request, token):
        """A file kept after a validation error, for the preview; only for writers."""
        if not (self.has_add_permission(request) or self._may_edit(request)):
            raise PermissionDenied
        stored = staging.stored(token)
        if stored is None:
            raise Http404
        return media.media_response(stored, "vorschau")

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

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self._composer_context(None, [])}
        extra_context["can_submit"] = request.user.has_perm("announcements.submit_announcement")
        return super().add_view(request, form_url, extra_context)

    def _composer_context(self, announcement, panels):
        return {
            "panels": [f"announcements/panels/{name}.html" for name in ["preview", *panels]],
            "preview_url": reverse("admin:announcement_preview"),
            "preview_media_kind": _media_kind(announcement) if announcement else "",
            "preview_media_url": reverse("admin:announcement_media", args=[announcement.pk])
            if announcement is not None and announcement.media
            else "",
        }

    def _panel_context(self, request, announcement):
        """Preview, reach, workflow buttons and delivery statistics for the change form."""
        context = self._composer_context(announcement, PANELS[1:])
        kind = context["preview_media_kind"]
        can_edit = self.has_change_permission(request, announcement)
        if not can_edit:
            # Read-only (sent, paused, or not one's own): the page shows the stored send
            # request as it is. Neither the live preview (it would send the page's empty
            # inputs and draw their errors) nor the composer judges it again.
            context["preview_url"] = ""
        if announcement.template is not None:
            composition = None
            if can_edit and composer.layout(announcement.template) is not None:
                composition = composer.compose(
                    announcement.template, announcement.heading, announcement.body
                )
                # As on the add form: what is left with any template of the set.
                best = composer.pick(
                    composable_templates(), kind, announcement.heading, announcement.body
                )
                composition.max_paragraphs = max(composition.max_paragraphs, best.max_paragraphs)
            url = context["preview_media_url"]
            context.update(_preview_context(composition, kind, url, announcement))
        recipients = stats.subscriber_count()
        own = bool(services.involvement(announcement, request.user))
        context.update(
            {
                "recipients": recipients,
                "workflow_actions": _workflow(announcement, request.user, can_edit),
                "self_approval_blocked": own and not settings.ALLOW_SELF_APPROVAL,
                "scheduled_text": when_text(announcement.scheduled_at)
                if announcement.scheduled_at
                else "",
            }
        )
        # Topics and language versions (issue 13): the audience and each version's preview.
        reach = audience.reach(announcement)
        context.update(reach=reach, recipients=reach["reached"])
        context["version_previews"] = audience.previews(announcement)
        # The messaging limit (issue 25): before the start the planner's waves for this
        # audience, once started how many deliveries it holds back and until when.
        if announcement.started_at is None:
            moment = current_time()
            waves = planner.plan(reach["reached"], now=moment)
            if not planner.sends_now(waves, moment):
                context["limit_text"] = planner.describe(waves, moment)
        elif held := planner.held_back([announcement.pk]).get(announcement.pk):
            context["limit_text"] = planner.waiting_text(*held)
        # Cost, budget, template health (issue 16): the approval panel.
        context["approval"] = approval_checks.check(announcement)
        if announcement.started_at is not None:
            context["delivery_counts"] = stats.delivery_counts(announcement)
            context["delivery_by_language"] = stats.by_language(announcement)
            context["failures"] = stats.failure_breakdown(announcement)
            context["can_export"] = request.user.has_perm("announcements.export_statistics")
        return context


def _template_fieldset(announcement):
    """Collapsed while the template is chosen automatically; open and said so when a
    person chose it, with how to undo that."""
    if announcement is None or not announcement.template_chosen:
        return (
            _("Template (otherwise chosen automatically)"),
            {"fields": ["template"], "classes": ["collapse"]},
        )
    return (
        _("Template (chosen by hand)"),
        {
            "fields": ["template"],
            "description": _(
                "This template was chosen by hand and is kept when the text changes. Choose "
                "“chosen automatically” to have the fitting template chosen again."
            ),
        },
    )


def _workflow(announcement, user, can_edit):
    """The buttons from ``services.ACTIONS``, each with how the page offers it: submitting
    goes with the form (so unsaved edits are saved first), what cannot be undone asks on a
    page of its own, and destructive actions stand apart."""
    buttons = []
    for name, label in services.available_actions(announcement, user):
        spec = services.ACTIONS[name]
        if name == "submit" and can_edit:
            kind = "with_form"
        elif spec.confirm:
            kind = "confirm"
        elif name in ("approve", "schedule"):
            kind = name
        else:
            kind = "post"
        buttons.append(
            {"name": name, "label": label, "kind": kind, "destructive": spec.destructive}
        )
    return buttons


def _own_media_url(url):
    """Only a link to one of our two media views may go into the preview."""
    try:
        match = resolve(url)
    except Resolver404:
        return ""
    allowed = {"admin:announcement_media", "admin:announcement_staged"}
    return url if match.view_name in allowed else ""


def _preview_context(composition, kind, media_url, announcement=None):
    """The phone preview's context, from the send request of the (unsaved) message."""
    if announcement is None:
        if not composition.complete:  # never a phone without the text's last lines
            return {
                "preview_problems": composition.problems,
                "preview": None,
                "preview_counter": composition.counter(),
            }
        announcement = Announcement(
            template=composition.template, template_params=composition.params
        )
    shown = preview.render(announcement)
    return {
        "preview": shown,
        "preview_media_url": media_url if shown.header_kind == kind else "",
        "preview_length": len(shown.body),
        "preview_problems": composition.problems if composition is not None else [],
        "preview_counter": composition.counter() if composition is not None else "",
    }


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
        "display_name", "name", "language", "category", "health", "quality", "header_type"
    ]  # fmt: skip
    list_filter = ["status", "category", "language"]
    search_fields = ["display_name", "name", "body"]

    @admin.display(description=gettext_lazy("State at WhatsApp"))
    def health(self, template):
        return template_health.health_label(template)

    @admin.display(description=gettext_lazy("Quality"))
    def quality(self, template):
        return template_health.quality_label(template)

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
            _("Templates synchronised: %(c)d new, %(u)d updated, %(g)d no longer available.")
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
        description=gettext_lazy("Synchronise templates with WhatsApp"), permissions=["sync"]
    )
    def sync_action(self, request, queryset):
        self._sync(request)
