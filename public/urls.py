"""The public pages, mounted at "/" (German paths, as residents read and type them)."""

from django.urls import path

from . import feeds, views
from .caching import public_page

app_name = "public"

urlpatterns = [
    path("", views.signup, name="signup"),
    path("plakat/", views.poster, name="poster"),
    path("qr-code.svg", views.qr_code, name="qr"),
    path("archiv/", views.archive_list, name="archive"),
    path("archiv/rss/", public_page(feeds.ArchiveFeed()), name="feed_rss"),
    path("archiv/atom/", public_page(feeds.ArchiveAtomFeed()), name="feed_atom"),
    path("archiv/<int:pk>/", views.entry, name="entry"),
    path("archiv/<int:pk>/datei/", views.entry_media, name="media"),
    path("barrierefreiheit/", views.accessibility, name="accessibility"),
    path("leichte-sprache/", views.easy_language, name="easy_language"),
]
