"""Reporting how far an import has got, so the page polling it sees the count rise while the import is running.

The import writes inside one transaction (all or nothing), and nothing written there is visible to anyone else until
it commits. So progress goes through a second, short-lived connection to the same database, in autocommit: each
report is its own small UPDATE of the job's row, which the import's transaction never touches.
"""

from __future__ import annotations

import time

from django.db import DEFAULT_DB_ALIAS, connections

from schools.models import ImportJob


class ProgressReporter:
    """Callable with the number of rows done; writes at most every `interval` seconds (and always the first time)."""

    def __init__(self, trust_id: int, job_id: int, interval: float = 0.5):
        self.trust_id, self.job_id, self.interval = trust_id, job_id, interval
        self._connection = None
        self._last = float("-inf")

    def __call__(self, rows_done: int) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        if self._connection is None:
            self._connection = connections.create_connection(DEFAULT_DB_ALIAS)
        table = self._connection.ops.quote_name(ImportJob._meta.db_table)
        with self._connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET rows_done = %s WHERE id = %s AND trust_id = %s",
                [rows_done, self.job_id, self.trust_id],
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
