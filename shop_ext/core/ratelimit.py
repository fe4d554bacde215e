"""Counting uses in fixed windows in the shared cache (Redis in production,
so every app server counts together): one atomic increment per use."""

from django.core.cache import cache


def count_use(key, window):
    """Count one use of ``key`` in its window of ``window`` seconds (which
    starts with the first use) and return the uses so far, this one included.
    The increment is atomic, so concurrent requests never share a count.
    Raises what a down cache raises (shop_ext.core.cache.CACHE_DOWN)."""
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.add(key, 1, window)
        return 1
