"""Admin for subscribers, the consent log and reply texts.

Staff see Kennziffern, never numbers. Subscribers cannot be added by hand (only residents
opt in); deleting one is an erasure that is logged like an opt-out, with the staff user.
The consent log is read-only; auditors export it and look up a complaint by number.
"""

import io
from datetime import timedelta

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import audit
from audit.admin import ReadOnlyModelAdmin
from audit.models import AuditEntry

from . import checkpoints, consent_words, export, services, signing, topics
from .crypto import hash_identity
from .models import ConsentEvent, ReplyText, Subscriber, Topic

DELIVERED = ("sent", "delivered", "read")


def _delivery_relation() -> str | None:
    """The reverse name of ``announcements.Delivery.subscriber``, if that app is there.

    Looked up, not imported: subscribers must work (and be tested) on its own.
    """
    if not apps.is_installed("announcements"):
        return None
    for relation in Subscriber._meta.related_objects:
        if relation.related_model._meta.label == "announcements.Delivery":
            return relation.name
    return None


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["code", "consented_at", "status", "deliveries_ok", "deliveries_failed"]
    list_filter = ["flagged_undeliverable"]
    search_fields = ["code"]
    date_hierarchy = "consented_at"
    fields = ["code", "consented_at", "created_at", "undeliverable_count", "flagged_undeliverable"]
    readonly_fields = fields
    actions = ["erase_selected"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).only(*self.fields)
        relation = _delivery_relation()
        if relation:
            queryset = queryset.annotate(
                delivered_count=Count(relation, filter=Q(**{f"{relation}__status__in": DELIVERED})),
                failed_count=Count(relation, filter=Q(**{f"{relation}__status": "failed"})),
            )
        return queryset

    @admin.display(description=_("Status"))
    def status(self, obj):
        return _("undeliverable") if obj.flagged_undeliverable else _("active")

    @admin.display(description=_("Delivered"))
    def deliveries_ok(self, obj):
        return getattr(obj, "delivered_count", "-")

    @admin.display(description=_("Failed"))
    def deliveries_failed(self, obj):
        return getattr(obj, "failed_count", "-")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(
        description=_("Delete selected subscribers (counts as opt-out)"),
        permissions=["delete"],
    )
    def erase_selected(self, request, queryset):
        erased = sum(
            services.erase(subscriber, source="admin", user=request.user) for subscriber in queryset
        )
        self.message_user(request, _("%(count)d subscriber(s) deleted.") % {"count": erased})

    def delete_model(self, request, obj):
        services.erase(obj, source="admin", user=request.user)

    def delete_queryset(self, request, queryset):
        for subscriber in queryset:
            services.erase(subscriber, source="admin", user=request.user)


class LookupForm(forms.Form):
    number = forms.CharField(
        label=_("Phone number"),
        max_length=40,
        help_text=_("Used only in encrypted form for the search; it is not stored."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class EraseOnRequestForm(forms.Form):
    """Erase the subscription a look-up found: by Kennziffer, the number is not asked again."""

    code = forms.CharField(widget=forms.HiddenInput, max_length=16)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example “Request by letter of 3 December, phone lost”. Stored in the audit "
            "log; please write no phone number."
        ),
    )


class ExportForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    format = forms.ChoiceField(label=_("Format"), choices=[(f, f.upper()) for f in export.FORMATS])


class VerifyFileForm(forms.Form):
    file = forms.FileField(
        label=_("Exported file (CSV or JSONL)"),
        help_text=_("A file downloaded here under “Export”."),
    )


class SourceFilter(admin.SimpleListFilter):
    """The source codes (``keyword``, ``meta_131050`` ...) offered in words."""

    title = _("Channel")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        used = ConsentEvent.objects.order_by().values_list("source", flat=True).distinct()
        return [(code, consent_words.source_label(code)) for code in sorted(set(used)) if code]

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyModelAdmin):
    list_display = ["seq", "occurred_at", "description", "subscriber_code", "keyword", "actor"]
    list_filter = ["action", SourceFilter]
    search_fields = ["subscriber_code"]
    date_hierarchy = "occurred_at"
    actions = None
    fields = [
        "seq",
        "occurred_at",
        "description",
        "subscriber_code",
        "keyword",
        "actor",
        "source_words",
        "number_hash",
        "user_id_hash",
        "message_id",
        "details",
        "prev_hash",
        "hash",
    ]
    readonly_fields = fields

    @admin.display(description=_("Event"), ordering="action")
    def description(self, obj):
        return consent_words.describe(obj.action, obj.source)

    @admin.display(description=_("Channel"))
    def source_words(self, obj):
        return consent_words.source_label(obj.source)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export/", view(self.export_view), name="subscribers_consentevent_export"),
            path("verify/", view(self.verify_view), name="subscribers_consentevent_verify"),
            path("lookup/", view(self.lookup_view), name="subscribers_consentevent_lookup"),
            path("erase/", view(self.erase_view), name="subscribers_consentevent_erase"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_export": request.user.has_perm("subscribers.export_consentevent"),
            "can_lookup": request.user.has_perm("subscribers.lookup_consentevent"),
            "can_verify": self.has_view_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def verify_view(self, request):
        """The auditor's check in the browser: the stored chain, or an uploaded export.

        Whoever may read the log may check it; the check reveals nothing the list does
        not show. The verdict names the first broken row, like ``verify_consent_log``.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        upload = VerifyFileForm()
        verdict = checked = None
        if request.method == "POST" and "stored" in request.POST:
            verdict, checked = checkpoints.verify_database(), _("the stored log")
        elif request.method == "POST":
            upload = VerifyFileForm(request.POST, request.FILES)
            if upload.is_valid():
                uploaded = upload.cleaned_data["file"]
                text = io.TextIOWrapper(uploaded.file, encoding="utf-8", newline="")
                verdict, checked = export.verify_stream(text), uploaded.name
            else:  # no file, or not one: audited as a check that found nothing to verify
                audit.record(
                    request.user,
                    "consent_log_verified",
                    "",
                    checked="",
                    ok=False,
                    broken_seq=None,
                    rows=0,
                    signed=False,
                )
        if verdict is not None:
            audit.record(
                request.user,
                "consent_log_verified",
                "",
                checked=str(checked),
                ok=verdict.ok,
                broken_seq=verdict.broken_seq,
                rows=verdict.rows,
                signed=verdict.signed,
            )
        context = {
            **self.admin_site.each_context(request),
            "keys": signing.trusted_keys(),
            "upload": upload,
            "verdict": verdict,
            "checked": checked,
            "opts": self.opts,
            "title": _("Verify the consent log"),
        }
        return TemplateResponse(request, "admin/subscribers/consentevent/verify.html", context)

    def export_view(self, request):
        if not request.user.has_perm("subscribers.export_consentevent"):
            raise PermissionDenied
        form = ExportForm(request.GET or None)
        if not form.is_valid():
            return self._export_page(request, form)
        start, end, fmt = (
            form.cleaned_data["start"],
            form.cleaned_data["end"],
            form.cleaned_data["format"],
        )
        try:
            lines = export.lines(fmt, start, end)
        except checkpoints.NotSigned as refused:
            audit.record(request.user, "consent_log_export_refused", "", reason=str(refused))
            messages.error(
                request,
                _(
                    "The stored log does not match its signed checkpoints, so nothing was "
                    "exported: %(verdict)s"
                )
                % {"verdict": refused.verdict},
            )
            return self._export_page(request, form)
        audit.record(
            request.user,
            "consent_log_exported",
            "",
            format=fmt,
            start=str(start or ""),
            end=str(end or ""),
        )
        response = StreamingHttpResponse(
            lines,
            content_type="text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson",
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="einwilligungen-{stamp}.{fmt}"'
        return response

    def _export_page(self, request, form):
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.opts,
            "title": _("Export consent log"),
        }
        return TemplateResponse(request, "admin/subscribers/consentevent/export.html", context)

    def lookup_view(self, request):
        """Complaint handling: the typed number is hashed for the query and then forgotten.

        POST keeps it out of URLs and access logs; the audit entry names the hash only.
        """
        if not request.user.has_perm("subscribers.lookup_consentevent"):
            raise PermissionDenied
        form = LookupForm(request.POST or None)
        events = erase_form = None
        if request.method == "POST" and form.is_valid() and self._lookup_allowed(request):
            identity = hash_identity(form.cleaned_data["number"])
            codes = ConsentEvent.objects.filter(
                Q(number_hash=identity) | Q(user_id_hash=identity)
            ).values("subscriber_code")
            events = list(
                ConsentEvent.objects.filter(
                    Q(number_hash=identity)
                    | Q(user_id_hash=identity)
                    | Q(subscriber_code__in=codes)
                ).order_by("seq")
            )
            for event in events:
                event.description = consent_words.describe(event.action, event.source)
            audit.record(
                request.user, "consent_lookup", "", number_hash=identity, found=len(events)
            )
            if not events:
                messages.info(request, _("There are no entries for this number."))
            current = Subscriber.objects.filter(
                Q(number_hash=identity) | Q(user_id_hash=identity)
            ).first()
            if current and request.user.has_perm("subscribers.erase_on_request"):
                erase_form = EraseOnRequestForm(initial={"code": current.code})
            form = LookupForm()
        elif form.is_bound and form.is_valid():  # refused: the number is not shown again
            form = LookupForm()
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "events": events,
            "erase_form": erase_form,
            "opts": self.opts,
            "title": _("Look up consent records for a number"),
        }
        return TemplateResponse(request, "admin/subscribers/consentevent/lookup.html", context)

    def erase_view(self, request):
        """Erase on request (letter, phone call): the step after the look-up, never before.

        A resident who lost the phone cannot send "Stop". Prüfung, who looks the number up,
        erases from the result: the form carries the Kennziffer only, and the erasure is
        allowed only for a subscription this user found by a look-up in the last
        ``ERASE_AFTER_LOOKUP_MINUTES`` (the audit log has the look-up's hash), so the right
        cannot be used to erase Kennziffern from a list. The consent log gets the opt-out
        "durch die Verwaltung" with the user; the reason goes to the audit log only, as a
        free text may name the person and the consent log is kept for years.
        """
        if not request.user.has_perm("subscribers.erase_on_request") or request.method != "POST":
            raise PermissionDenied
        form = EraseOnRequestForm(request.POST)
        lookup = reverse("admin:subscribers_consentevent_lookup")
        if not form.is_valid():
            messages.error(request, _("Please give the reason for the erasure."))
            return HttpResponseRedirect(lookup)
        code = form.cleaned_data["code"]
        subscriber = Subscriber.objects.filter(code=code).first()
        found = subscriber and self._looked_up(request.user, subscriber)
        if not found or not services.erase(subscriber, source="admin", user=request.user):
            messages.error(
                request,
                _(
                    "Erasure not possible: please look the number up again (it may already "
                    "be unsubscribed)."
                ),
            )
            return HttpResponseRedirect(lookup)
        audit.record(
            request.user,
            "subscriber_erased_on_request",
            code,
            reason=form.cleaned_data["reason"],
            lookup=found.pk,
        )
        messages.success(
            request,
            _("The subscription %(code)s was erased and the opt-out recorded in the consent log.")
            % {"code": code},
        )
        return HttpResponseRedirect(lookup)

    @staticmethod
    def _looked_up(user, subscriber):
        """This user's recent look-up that found ``subscriber``, or None."""
        hashes = [value for value in (subscriber.number_hash, subscriber.user_id_hash) if value]
        since = timezone.now() - timedelta(minutes=settings.ERASE_AFTER_LOOKUP_MINUTES)
        return (
            AuditEntry.objects.filter(
                user=user,
                action="consent_lookup",
                at__gte=since,
                details__number_hash__in=hashes,
            )
            .order_by("-at")
            .first()
        )

    @staticmethod
    def _lookup_allowed(request):
        """At most ``CONSENT_LOOKUP_LIMIT_PER_HOUR`` look-ups per person in any hour.

        A look-up tells whether a number is subscribed; a stolen or curious account must
        not be able to test a whole telephone book. Counted from the audit log, which has
        every look-up anyway: shared by all web processes, kept across restarts.
        """
        limit = settings.CONSENT_LOOKUP_LIMIT_PER_HOUR
        since = timezone.now() - timedelta(hours=1)
        done = AuditEntry.objects.filter(
            user=request.user, action="consent_lookup", at__gte=since
        ).count()
        if done < limit:
            return True
        audit.record(request.user, "consent_lookup_refused", "", limit=limit)
        messages.error(
            request,
            _(
                "You looked up %(limit)d numbers in the last hour; no more are allowed. Please "
                "try again later."
            )
            % {"limit": limit},
        )
        return False


@admin.register(ReplyText)
class ReplyTextAdmin(admin.ModelAdmin):
    list_display = ["key", "text", "updated_at"]
    fields = ["key", "text"]
    readonly_fields = ["key"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["name", "description", "keyword", "order", "default_on", "active"]

    def clean(self):
        cleaned = super().clean()
        others = Topic.objects.filter(active=True).exclude(pk=self.instance.pk).count()
        if cleaned.get("active") and others >= topics.MAX_ACTIVE:
            raise forms.ValidationError(
                _(
                    "At most %(max)d topics can be active: WhatsApp shows only ten rows in a "
                    "list, one of them is “All topics”."
                )
                % {"max": topics.MAX_ACTIVE}
            )
        return cleaned


class TopicOrderForm(forms.ModelForm):
    """A row of the topic list: its order input named for its topic (the admin's editable
    list cells have no label of their own)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].widget.attrs["aria-label"] = _("Order of “%(name)s”") % {
            "name": self.instance.name
        }


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Topics residents choose in WhatsApp; warnings and urgent messages reach everyone."""

    form = TopicForm
    list_display = ["name", "keyword", "order", "default_on", "active", "subscriber_count"]
    list_editable = ["order"]
    list_filter = ["active", "default_on"]
    search_fields = ["name", "keyword"]

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=TopicOrderForm, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(subscriber_total=Count("subscribers"))

    @admin.display(description=_("Subscribers"), ordering="subscriber_total")
    def subscriber_count(self, obj):
        return obj.subscriber_total

    def has_delete_permission(self, request, obj=None):
        return False  # set it inactive instead: the consent log names its keyword

    def changelist_view(self, request, extra_context=None):
        messages.info(
            request,
            _("Warnings and urgent messages always reach every subscriber, whatever their topics."),
        )
        return super().changelist_view(request, extra_context)
