"""The announcement form: staff write a heading and a text; the template follows.

The template is chosen for the text (``composer.pick``: the approved one that takes the
attached file, the heading and exactly this many paragraphs) on every save unless staff
pick one (``Announcement.template_chosen``; choosing "automatically" undoes it), and
the text is fitted into its slots; what does not fit is said in words. Nobody needs to
know that templates or parameters exist. A file that passed the checks survives a
validation error (``staging``): the page comes back with it, not with an empty input.
"""

from django import forms
from django.contrib.admin.widgets import AdminFileWidget
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import composer, media, staging
from .forms_audience import topics_field
from .models import Announcement, MessageTemplate

STAGED_FIELD = "staged_media"


def approved_templates():
    """Approved German templates: the main text is German; other languages are versions
    (``forms_audience.VersionForm``, issue 13)."""
    return MessageTemplate.objects.filter(
        status=MessageTemplate.MetaStatus.APPROVED, language__startswith="de"
    )


def composable_templates():
    """Approved templates that take a heading and paragraphs (the others glue text)."""
    return [template for template in approved_templates() if composer.layout(template)]


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.label


class ProtectedFileInput(AdminFileWidget):
    """The admin's file input, linking the current file to the protected media view.

    Django's own widget links to ``MEDIA_URL`` and shows the stored name; media is never
    served from there (only the view checks permissions and sets safe headers). A staged
    upload (kept after a validation error) is shown and carried in a hidden field.
    """

    template_name = "announcements/widgets/media_input.html"
    staged_token = ""
    staged_kind = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        instance = getattr(value, "instance", None)
        if widget["is_initial"] and getattr(instance, "pk", None):
            widget["media_url"] = reverse("admin:announcement_media", args=[instance.pk])
            is_pdf = value.name.lower().endswith(".pdf")
            widget["media_label"] = _("PDF document") if is_pdf else _("Image")
        if self.staged_token:
            widget["staged_name"] = STAGED_FIELD
            widget["staged_token"] = self.staged_token
            widget["staged_url"] = reverse("admin:announcement_staged", args=[self.staged_token])
            is_pdf = self.staged_kind == "DOCUMENT"
            widget["staged_kind"] = "document" if is_pdf else "image"
            widget["staged_label"] = _("PDF document") if is_pdf else _("Image")
        return context


def heading_field():
    """The heading without the browser's ``maxlength``: that would cut a pasted heading
    at 60 characters without a word. The composer's rule says it while typing (the
    counter) and on save (an error at the field); nothing is cut."""
    model_field = Announcement._meta.get_field("heading")
    return forms.CharField(
        required=False,
        label=model_field.verbose_name,
        help_text=model_field.help_text,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
    )


class AnnouncementForm(forms.ModelForm):
    # Topics (issue 13): saved by ``admin_audience.AudienceAdminMixin.save_related``.
    topics = topics_field()
    heading = heading_field()
    template = TemplateChoiceField(
        queryset=MessageTemplate.objects.none(),
        required=False,
        label=_("Template"),
        empty_label=_("chosen automatically"),
        help_text=_(
            "“chosen automatically”: the approved template that fits the text, the file and "
            "the number of paragraphs, chosen anew on every save."
        ),
    )

    class Meta:
        model = Announcement
        fields = [
            "title",
            "category",
            "urgent",
            "heading",
            "body",
            "media",
            "template",
            "valid_until",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 10, "class": "vLargeTextField"}),
            "media": ProtectedFileInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["topics"] = [link.topic_id for link in self.instance.topic_links.all()]
            if not self.instance.template_chosen:
                # The template the composer picked is no choice of the editor's: offered
                # as chosen, it would be sent back and hold the text to its paragraphs.
                self.initial["template"] = None
        if "template" in self.fields:
            ids = [template.pk for template in composable_templates()]
            self.fields["template"].queryset = MessageTemplate.objects.filter(pk__in=ids)
        # The admin splits date and time into two inputs without labels of their own.
        valid_until = self.fields.get("valid_until")
        parts = getattr(valid_until.widget, "widgets", ()) if valid_until else ()
        labels = (_("valid until (date)"), _("valid until (time)"))
        for widget, label in zip(parts, labels, strict=False):
            widget.attrs["aria-label"] = label
        self._checked = None
        self._staged = None
        if self.is_bound and "media" in self.fields:
            token = self.data.get(STAGED_FIELD, "")
            self._staged = staging.load(token)
            if self._staged is not None:
                self._show_staged(token, self._staged)

    def _show_staged(self, token, checked):
        widget = self.fields["media"].widget
        widget.staged_token, widget.staged_kind = token, checked.header_type

    def clean_media(self):
        uploaded = self.cleaned_data.get("media")
        if uploaded and hasattr(uploaded, "content_type"):  # a new upload, not the stored file
            self._checked = media.check_upload(uploaded)
            # Stored is the checked (for images: re-encoded) content under a random name
            # with the detected type's extension; the client's name and bytes go no further.
            return self._checked.as_upload()
        if uploaded is not False and self._staged is not None:  # kept from the last try
            self._checked = self._staged
            return self._staged.as_upload()
        return uploaded

    def has_changed(self):
        return super().has_changed() or self._staged is not None

    @property
    def changed_data(self):
        changed = super().changed_data
        if self._staged is not None and "media" not in changed and self._checked is self._staged:
            changed = [*changed, "media"]
        return changed

    def media_kind(self):
        """ "image", "document" or "" for the file this announcement will carry."""
        if self._checked is not None:
            header_type = self._checked.header_type
        else:
            stored = self.cleaned_data.get("media")
            if not stored:
                return ""
            header_type = "DOCUMENT" if stored.name.lower().endswith(".pdf") else "IMAGE"
        return "document" if header_type == "DOCUMENT" else "image"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("urgent") and cleaned.get("category") != Announcement.Category.WARNING:
            self.add_error("urgent", _("Only warnings can be marked as urgent."))
        if self.errors:
            return cleaned
        composition = self.composition(
            cleaned.get("template"), cleaned.get("heading", ""), cleaned.get("body", "")
        )
        for problem in composition.problems:
            # At the field, so the model's own length check does not say it a second time.
            self.add_error("heading" if problem in composition.heading_problems else None, problem)
        cleaned["heading"] = composer.clean_heading(cleaned.get("heading", ""))
        cleaned["template_chosen"] = cleaned.get("template") is not None
        cleaned["template"] = composition.template
        cleaned["template_params"] = composition.params
        return cleaned

    def composition(self, template, heading, body):
        """The text fitted into the chosen template, or into the one that fits."""
        kind = self.media_kind()
        if template is None:
            return composer.pick(composable_templates(), kind, heading, body)
        result = composer.compose(template, heading, body)
        wanted = template.header_type if template.header_type in ("IMAGE", "DOCUMENT") else ""
        if wanted != composer.header_kind_of_media(kind):
            result.problems.insert(0, self._header_mismatch(template, wanted))
        return result

    @staticmethod
    def _header_mismatch(template, wanted):
        if wanted == "IMAGE":
            return _("The template “%(name)s” needs an image (JPEG or PNG).") % {
                "name": template.label
            }
        if wanted == "DOCUMENT":
            return _("The template “%(name)s” needs a PDF.") % {"name": template.label}
        return _("The template “%(name)s” cannot include a file.") % {"name": template.label}

    def full_clean(self):
        """After an error, keep a file that passed the checks for the next submit."""
        super().full_clean()
        if self._errors and self._checked is not None and self._checked is not self._staged:
            token = staging.stage(self._checked)
            self._show_staged(token, self._checked)

    def save(self, commit=True):
        self.instance.template = self.cleaned_data["template"]
        self.instance.template_chosen = self.cleaned_data["template_chosen"]
        self.instance.template_params = self.cleaned_data["template_params"]
        self.instance.heading = self.cleaned_data["heading"]
        if "media" in self.changed_data:
            self.instance.media_id = ""  # a new file needs a new upload
        saved = super().save(commit=commit)
        if self._staged is not None and self._checked is self._staged:
            staging.discard(self.data.get(STAGED_FIELD, ""))
        return saved
