"""Gunicorn settings of the web process (docker-compose, the image and ``make bench``).

Gunicorn reads this file from its working directory. gthread workers keep Meta's
connections alive and let a process's threads wait on the database or Redis together;
more processes than cores only add contention (on two cores, 3 or 4 processes answered
fewer webhooks than 2). ``WEB_CONCURRENCY`` and ``WEB_THREADS`` size it per machine.
"""

import os

wsgi_app = "titz_broadcast.wsgi:application"
bind = "0.0.0.0:8000"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
# Gunicorn's default format with the path (%(U)s) instead of the whole request line and
# without the referrer: a query string may hold a secret (Meta's verification handshake
# sends hub.verify_token there) or what a clerk typed into an admin search, and a
# referrer may repeat one. Django's own request logs strip them too (settings.LOGGING).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
