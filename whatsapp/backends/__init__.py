"""Message backends: one per provider or purpose, all behind ``base.BaseBackend``.

Pick one with ``settings.WHATSAPP_BACKEND`` and get it with ``whatsapp.get_backend()``.
"""
