"""Environment defaults for the test session, loaded with ``-p`` before pytest-django
reads the settings (a root ``conftest.py`` is imported too late for that).

Tests run on the embedded defaults unless the environment says otherwise: ``dev.env``
(DEBUG on, the development keys), SQLite, the locmem WhatsApp backend, Celery tasks run
eagerly, and the statuses of each webhook POST are dispatched right after it (an eager
task has no countdown to gather them in).
"""

import os

from titz_broadcast import devenv

os.environ.setdefault("WHATSAPP_BACKEND", "whatsapp.backends.locmem.LocmemBackend")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
os.environ.setdefault("WHATSAPP_STATUS_BATCH_SECONDS", "0")
devenv.apply()
