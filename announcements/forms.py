"""The announcement form: staff write title and text; template and parameters follow.

A template is chosen automatically when staff leave the field empty (an approved one that
fits the attached file), and its parameters are filled from title and text, so nobody in
a hurry has to understand WhatsApp templates. Whatever is chosen is checked against Meta's
rules here, before anybody can submit it.
"""

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import media, templating
from .forms_audience import topics_field
from .models import Announcement, MessageTemplate


def approved_templates():
    """Approved German templates: the main text is German; other languages are versions
    (``forms_audience.VersionForm``, issue 13)."""
    return MessageTemplate.objects.filter(status="APPROVED", language__startswith="de")


def pick_template(header_type):
    """The approved template for a file kind ("" = none): one placeholder before two.

    One placeholder keeps the internal title out of the message; templates with a text
    header or none at all both fit a message without a file.
    """
    header_types = [header_type] if header_type else ["", "TEXT"]
    candidates = approved_templates().filter(header_type__in=header_types, param_count__in=[1, 2])
    return candidates.order_by("param_count", "name").first()


class ProtectedFileInput(AdminFileWidget):
    """The admin's file input, linking the current file to the protected media view.

    Django's own widget links to ``MEDIA_URL`` and shows the stored name; media is never
    served from there (only the view checks permissions and sets safe headers).
    """

    template_name = "announcements/widgets/media_input.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        instance = getattr(value, "instance", None)
        if widget["is_initial"] and getattr(instance, "pk", None):
            widget["media_url"] = reverse("admin:announcement_media", args=[instance.pk])
            is_pdf = value.name.lower().endswith(".pdf")
            widget["media_label"] = _("PDF-Dokument") if is_pdf else _("Bild")
        return context


class AnnouncementForm(forms.ModelForm):
    # Topics (issue 13): saved by ``admin_audience.AudienceAdminMixin.save_related``.
    topics = topics_field()
    params_text = forms.CharField(
        label=_("Vorlagen-Parameter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Ein Parameter pro Zeile. Leer lassen: Titel und Text werden automatisch eingesetzt."
        ),
    )

    class Meta:
        model = Announcement
        fields = ["title", "category", "urgent", "body", "media", "template", "scheduled_at"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"}),
            "media": ProtectedFileInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["topics"] = [link.topic_id for link in self.instance.topic_links.all()]
        if "template" in self.fields:
            self.fields["template"].queryset = approved_templates()
            self.fields["template"].required = False
            self.fields["template"].help_text = _(
                "Leer lassen: eine passende freigegebene Vorlage wird gewählt."
            )
        params = self.instance.template_params if self.instance.pk else []
        auto = templating.fill_params(
            self.instance.template, self.instance.title, self.instance.body
        )
        if params and params != auto:
            self.initial["params_text"] = "\n".join(params)

    def clean_media(self):
        uploaded = self.cleaned_data.get("media")
        if uploaded and hasattr(uploaded, "content_type"):  # a new upload, not the stored file
            checked = media.check_upload(uploaded)
            self._media_header = checked.header_type
            # Stored is the checked (for images: re-encoded) content under a random name
            # with the detected type's extension; the client's name and bytes go no further.
            return checked.as_upload()
        return uploaded

    def _media_header_type(self):
        if hasattr(self, "_media_header"):
            return self._media_header
        stored = self.cleaned_data.get("media")
        if not stored:
            return ""
        return "DOCUMENT" if stored.name.lower().endswith(".pdf") else "IMAGE"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("urgent") and cleaned.get("category") != Announcement.Category.WARNING:
            self.add_error("urgent", _("Nur Warnungen können als dringend markiert werden."))
        if self.errors:
            return cleaned
        header_type = self._media_header_type()
        template = cleaned.get("template")
        if template is None:
            template = pick_template(header_type)
            if template is None:
                raise forms.ValidationError(
                    _(
                        "Es gibt keine freigegebene Vorlage für diese Nachricht. Bitte die "
                        "Vorlagen mit WhatsApp abgleichen."
                    )
                )
            cleaned["template"] = template
        wanted = template.header_type if template.header_type in ("IMAGE", "DOCUMENT") else ""
        if wanted != header_type:
            self.add_error("media", self._header_mismatch(template, wanted))
        lines = cleaned.get("params_text", "").replace("\r\n", "\n").split("\n")
        params = [line for line in lines if line.strip()] or templating.fill_params(
            template, cleaned.get("title", ""), cleaned.get("body", "")
        )
        for message in templating.validate_params(template, params):
            self.add_error(None, message)
        cleaned["template_params"] = params
        return cleaned

    @staticmethod
    def _header_mismatch(template, wanted):
        if wanted == "IMAGE":
            return _("Die Vorlage „%(name)s“ braucht ein Bild (JPEG oder PNG).") % {
                "name": template.name
            }
        if wanted == "DOCUMENT":
            return _("Die Vorlage „%(name)s“ braucht ein PDF.") % {"name": template.name}
        return _("Die Vorlage „%(name)s“ kann keine Datei mitschicken.") % {"name": template.name}

    def save(self, commit=True):
        self.instance.template = self.cleaned_data["template"]
        self.instance.template_params = self.cleaned_data["template_params"]
        if "media" in self.changed_data:
            self.instance.media_id = ""  # a new file needs a new upload
        return super().save(commit=commit)
