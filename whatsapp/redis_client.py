"""The process's Redis client, shared by the rate limiter and the status intake."""

from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


@cache
def redis_client():
    """One client per process; redis-py reconnects after a fork or a Redis restart."""
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2, health_check_interval=10
    )


@receiver(setting_changed)
def _forget_client(setting, **kwargs):
    if setting == "REDIS_URL":
        redis_client.cache_clear()
