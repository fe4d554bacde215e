"""What a shared cache that is down raises (Django's Redis backend passes
redis-py's errors through), for the code that decides what to do then."""

from redis.exceptions import RedisError

CACHE_DOWN = (RedisError, OSError)
