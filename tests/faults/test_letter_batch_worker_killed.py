"""A letter batch whose worker is SIGKILLed part way through rendering: the broker hands the unacknowledged task to a
new worker once the visibility timeout has passed, and the batch ends done with every letter made and rendered once.
Skipped where REDIS_URL is unset (then tasks run eagerly and there is no worker to kill)."""

import pytest
from django.conf import settings

from letters.models import Letter, LetterBatch
from schools.timeline import Kind, timeline_for
from tests.faults.conftest import pages_of_letters, start_letters
from tests.faults.workers import Workers, producing_to, unique_queue, wait_for
from tests.letters.conftest import pdf_pages

pytestmark = [
    pytest.mark.real_broker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs a real broker: set REDIS_URL"),
]

# Longer than the whole batch takes to render here, so a live worker's task is never handed out twice; short
# enough that the killed worker's task comes back within the test's time.
VISIBILITY_TIMEOUT = 12


@pytest.fixture
def workers(transactional_db):
    with Workers(unique_queue("test-faults-letters"), visibility_timeout=VISIBILITY_TIMEOUT) as workers:
        yield workers


def rendered(batch) -> int:
    return Letter.objects.filter(batch=batch, pdf__isnull=False).count()


def test_a_batch_whose_worker_is_killed_mid_render_is_finished_by_the_next_worker_with_each_letter_once(
    calendar, year_group, head, workers
):
    worker = workers.start()
    with producing_to(workers.queue):
        batch = start_letters(calendar, head, year_group)
    total = batch.total
    assert total == 2 * len(year_group)

    wait_for(lambda: rendered(batch) > 0, "the first letters to be rendered")
    workers.kill(worker)
    rendered_before_the_kill = rendered(batch)
    batch.refresh_from_db()
    assert 0 < rendered_before_the_kill < total, "the worker must die part way through the batch"
    assert batch.status == LetterBatch.Status.RUNNING

    workers.start()
    wait_for(lambda: LetterBatch.objects.get(pk=batch.pk).status == LetterBatch.Status.DONE, "the batch to finish")

    batch.refresh_from_db()
    letters = Letter.objects.filter(batch=batch)
    assert (batch.total, batch.rendered, batch.error) == (total, total, "")
    assert letters.count() == total
    assert letters.values("pupil", "contact", "code").distinct().count() == total
    assert not letters.filter(pdf__isnull=True).exists()
    assert not letters.filter(rendered_at__isnull=True).exists()
    assert pdf_pages(batch.pdf) == pages_of_letters(batch) >= total
    for pupil in year_group:
        entries = timeline_for(pupil, Kind.LETTERS).entries
        assert len(entries) == 2, f"{pupil} has each parent's letter once"
        assert all(entry.link for entry in entries), "each letter links to its rendered PDF"
