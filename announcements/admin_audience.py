"""The announcement form's topics and language versions (an inline), for ``admin``.

Changing either is a change of content like editing the text: a submitted or approved
announcement goes back to draft (``services.save_related_edit``), so approval always
covers every version and the audience that was shown.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audience, services
from .forms_audience import VersionForm, VersionFormSet
from .models import AnnouncementVersion


class VersionInline(admin.StackedInline):
    model = AnnouncementVersion
    form = VersionForm
    formset = VersionFormSet
    extra = 0
    verbose_name = gettext_lazy("Language version")
    verbose_name_plural = gettext_lazy(
        "Language versions (subscribers without a version in their language get the German text)"
    )

    # The versions are part of the announcement: whoever may see or edit it, may see or
    # edit them (no separate permissions to grant per role).
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("announcements.view_announcement")

    def has_change_permission(self, request, obj=None):
        allowed = request.user.has_perm("announcements.change_announcement")
        return allowed and (obj is None or obj.status in services.EDITABLE)

    has_add_permission = has_delete_permission = has_change_permission


class AudienceAdminMixin:
    """Saves the topics field and reports a related change as an edit of the content."""

    @admin.display(description=gettext_lazy("Topics"))
    def topics(self, obj):
        names = [link.topic.name for link in obj.topic_links.select_related("topic")]
        return ", ".join(names) or _("all subscribers")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changed = []
        if "topics" in form.cleaned_data and audience.set_topics(
            form.instance, [topic.pk for topic in form.cleaned_data["topics"]]
        ):
            changed.append("topics")
        if any(formset.has_changed() for formset in formsets):
            changed.append("versions")
        if change and changed and services.save_related_edit(form.instance, request.user, changed):
            messages.warning(
                request,
                _("The message was changed and is a draft again; please submit it again."),
            )
