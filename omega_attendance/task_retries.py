"""How every Celery task retries: only on errors that a later attempt can outlive (a dropped database connection,
a broker that is restarting), five times, waiting about 1, 2, 4, 8 and 16 seconds with jitter so that the workers
of a restarted broker do not all come back at the same moment.

The tasks are idempotent and acknowledged late, so an attempt cut off halfway is safe to repeat. A bug (any other
exception) is not retried: repeating it would only hide it for half a minute.
"""

from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

TRANSIENT_ERRORS = (
    DatabaseOperationalError,
    InterfaceError,
    BrokerOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
)

RETRY_TRANSIENT = {
    "autoretry_for": TRANSIENT_ERRORS,
    "max_retries": 5,
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
}
