"""Admin widgets that every screen reader can name.

Django renders a date-and-time field as two inputs inside a ``<fieldset>`` whose legend is
the field's label, and neither input has a label of its own: axe-core reports that as
critical ("Form elements must have labels"). ``LabelledSplitDateTime`` gives each input
its own name ("Letzte Anmeldung: Datum", "... Uhrzeit"): ``labelled(formfield)`` swaps
it in for a model admin's date-and-time field (call it from ``formfield_for_dbfield``).
"""

from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.translation import gettext as _


class LabelledSplitDateTime(AdminSplitDateTime):
    field_label = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        prefix = f"{self.field_label}: " if self.field_label else ""
        parts = (_("Date"), _("Time of day"))
        for subwidget, part in zip(context["widget"]["subwidgets"], parts, strict=True):
            subwidget["attrs"]["aria-label"] = prefix + part
        return context


def labelled(formfield):
    """``formfield`` with named date and time inputs, if it is a split date-and-time."""
    if formfield is not None and isinstance(formfield.widget, AdminSplitDateTime):
        widget = LabelledSplitDateTime(attrs=formfield.widget.attrs)
        widget.field_label = str(formfield.label or "")
        formfield.widget = widget
    return formfield
