"""The broker restarted while letter batches are queued and one is rendering: a private Redis, persisting to an
append-only file as production's must, is stopped (SIGTERM) and started again on the same port and data folder. The
queued batches come back with it, the worker reconnects, and every batch ends done with each letter made once.
Skipped where REDIS_URL is unset (the project then runs tasks eagerly) or where redis-server is not installed."""

import time
from pathlib import Path

import pytest
from django.conf import settings

from letters.models import Letter, LetterBatch
from tests.faults.conftest import pages_of_letters, start_letters
from tests.faults.workers import REDIS_SERVER, PrivateRedis, Workers, producing_to, unique_queue, wait_for
from tests.letters.conftest import pdf_pages

pytestmark = [
    pytest.mark.real_broker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs a real broker: set REDIS_URL"),
    pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason="needs redis-server to start a private broker"),
]

# Longer than one batch takes to render, so only a task whose acknowledgement was lost with the broker comes back.
VISIBILITY_TIMEOUT = 15


@pytest.fixture
def broker(tmp_path):
    with PrivateRedis(tmp_path) as broker:
        yield broker


@pytest.fixture
def workers(transactional_db, broker):
    with Workers(unique_queue("test-faults-broker"), broker.url, visibility_timeout=VISIBILITY_TIMEOUT) as workers:
        yield workers


def status(batch) -> str:
    return LetterBatch.objects.get(pk=batch.pk).status


def test_batches_queued_when_the_broker_restarts_are_all_rendered_once(calendar, year_group, head, broker, workers):
    workers.start()
    thirds = [year_group[:14], year_group[14:27], year_group[27:]]
    with producing_to(workers.queue, broker.url):
        batches = [start_letters(calendar, head, pupils) for pupils in thirds]

    wait_for(lambda: status(batches[0]) == LetterBatch.Status.RUNNING, "the first batch to start rendering")
    assert broker.client().llen(workers.queue) == 2, "the other two batches wait in the broker alone"
    broker.stop()
    assert [status(b) for b in batches[1:]] == [LetterBatch.Status.QUEUED] * 2
    time.sleep(3)
    broker.start()

    wait_for(lambda: all(status(b) == LetterBatch.Status.DONE for b in batches), "every batch to finish", timeout=240)
    for batch, pupils in zip(batches, thirds, strict=True):
        batch.refresh_from_db()
        letters = Letter.objects.filter(batch=batch)
        assert (batch.total, batch.rendered, letters.count()) == (2 * len(pupils),) * 3
        assert letters.values("pupil", "contact", "code").distinct().count() == batch.total
        assert not letters.filter(pdf__isnull=True).exists()
        assert pdf_pages(batch.pdf) == pages_of_letters(batch)
    assert Letter.objects.filter(school=calendar).count() == 2 * len(year_group)
