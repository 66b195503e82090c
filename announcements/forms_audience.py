"""Form parts for an announcement's topics and language versions (issue 13).

Kept apart from ``forms`` so the composer's own form stays as it is: it declares the
``topics`` field from here, and the admin's inline uses ``VersionForm``.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from subscribers import languages
from subscribers.models import Topic

from . import composer
from .models import AnnouncementVersion, MessageTemplate
from .models.template import LANGUAGE_NAMES

TOPICS_HELP = gettext_lazy(
    "Only subscribers with one of these topics receive the message; none chosen: everyone. "
    "Warnings and urgent messages always reach every subscriber."
)


def topics_field():
    return forms.ModelMultipleChoiceField(
        label=gettext_lazy("Topics"),
        queryset=Topic.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=TOPICS_HELP,
    )


class VersionForm(forms.ModelForm):
    """One more language: a text for an approved template of that language."""

    class Meta:
        model = AnnouncementVersion
        fields = ["language", "template", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"})}

    def __init__(self, *args, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = parent  # the announcement, saved or not yet (``VersionFormSet``)
        codes = languages.offered()[1:]
        self.fields["language"] = forms.ChoiceField(
            label=_("Language"), choices=[(code, languages.name(code)) for code in codes]
        )
        self.fields["template"].queryset = MessageTemplate.objects.filter(status="APPROVED")
        self.fields["template"].required = False
        self.fields["template"].empty_label = _("chosen automatically")

    def clean(self):
        cleaned = super().clean()
        template, language = cleaned.get("template"), cleaned.get("language")
        if not language:
            return cleaned
        if template is None:
            return self._clean_automatic(cleaned, language)
        if template.language.split("_")[0] != language:
            self.add_error(
                "template",
                _("The template “%(name)s” is not in the chosen language.")
                % {"name": template.name},
            )
            return cleaned
        announcement = self.parent
        german = announcement.template
        if german is not None and _media_header(template) != _media_header(german):
            self.add_error(
                "template",
                _("The template needs the same header (image, PDF) as the German one."),
            )
        # The version's own heading, else the German one: never the internal title.
        heading = cleaned.get("title") or announcement.heading
        composition = composer.compose(template, heading, cleaned.get("body", ""))
        for message in composition.problems:
            self.add_error(None, message)
        self.instance.template_params = composition.params
        return cleaned

    def _clean_automatic(self, cleaned, language):
        """The language's template for the German version's file and this many
        paragraphs, as the German one is chosen (``composer.pick_version``)."""
        announcement = self.parent
        heading = cleaned.get("title") or announcement.heading
        candidates = [
            template
            for template in MessageTemplate.objects.filter(
                status=MessageTemplate.MetaStatus.APPROVED, language__startswith=language
            )
            if template.language.split("_")[0] == language and composer.layout(template)
        ]
        composition = composer.pick_version(
            candidates,
            LANGUAGE_NAMES.get(language, language),
            composer.media_kind_of_template(announcement.template),
            heading,
            cleaned.get("body", ""),
        )
        for message in composition.problems:
            self.add_error(None, message)
        if composition.template is not None:
            cleaned["template"] = composition.template
            self.instance.template_params = composition.params
        return cleaned


def _media_header(template):
    """The kind of file a template's header carries ("" for none or a text header): a
    version sends the German version's image or PDF, so its template must take the same."""
    return template.header_type if template.header_type in MEDIA_HEADERS else ""


MEDIA_HEADERS = frozenset({"IMAGE", "DOCUMENT", "VIDEO"})


class VersionFormSet(forms.BaseInlineFormSet):
    """Hands each version form its announcement: on the add page it is not saved yet, so
    the version's own foreign key is still empty."""

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "parent": self.instance}
