from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.view(views.index), name="index"),
    path("<slug:slug>/", views.view(views.document), name="document"),
    path("<slug:slug>.md", views.view(views.download), {"fmt": "md"}, name="document_markdown"),
    path("<slug:slug>.odt", views.view(views.download), {"fmt": "odt"}, name="document_odt"),
]
