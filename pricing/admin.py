"""The price table in the admin: read it, and replace it from the operator's CSV file.

Rows are never edited one by one: the CSV is the source (``prices_csv``), so the admin
offers "Preistabelle einlesen" (an upload) and shows what is loaded, with its sources.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit
from audit.admin import ReadOnlyModelAdmin

from . import prices_csv
from .models import Price

MAX_FILE_BYTES = 1024 * 1024


class PriceFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns: category; country calling code; valid from (YYYY-MM-DD); euros per "
            "message; source"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("Please save it as UTF-8 text.")) from None
        try:
            self.rows = prices_csv.parse(text)
        except prices_csv.PriceFileError as error:
            raise forms.ValidationError(error.errors) from None
        self.text = text
        return upload


@admin.register(Price)
class PriceAdmin(ReadOnlyModelAdmin):
    change_list_template = "admin/pricing/price/change_list.html"
    list_display = ["category", "calling_code", "valid_from", "amount", "source"]
    list_filter = ["category"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.upload_view)
        return [path("einlesen/", view, name="pricing_price_upload"), *super().get_urls()]

    def has_upload_permission(self, request):
        return request.user.has_perm("pricing.add_price")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload": self.has_upload_permission(request)}
        return super().changelist_view(request, extra_context)

    def upload_view(self, request):
        if not self.has_upload_permission(request):
            raise PermissionDenied
        form = PriceFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            loaded = prices_csv.load(form.text)
            audit.record(
                request.user, "prices.load", "", created=loaded.created, updated=loaded.updated
            )
            messages.success(
                request,
                _("Price table loaded: %(c)d new, %(u)d changed.")
                % {"c": loaded.created, "u": loaded.updated},
            )
            return redirect("admin:pricing_price_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Load price table"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/pricing/price/upload.html", context)
