"""The public face of the service: sign-up page, poster, archive with feeds, legal pages.

Served without login at "/" by the same Django project. Everything a page says about the
municipality or the law comes from settings (``site``, ``art13``); what the archive shows
is decided by ``announcements.models.IN_ARCHIVE`` and read by ``archive``.
"""
