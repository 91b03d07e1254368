"""A render task handed out again after its batch finished (its acknowledgement lost with a restarting broker)
leaves the finished batch exactly as it was."""

import pytest

from letters.batches import LetterRequest, render_batch, start_batch
from letters.models import LetterBatch
from tests.letters.conftest import ON

pytestmark = pytest.mark.django_db


def test_a_finished_batch_rendered_again_is_left_as_it_was(calendar, marked, parents, head):
    batch = start_batch(school=calendar, user=head, title="Approved", requests=[LetterRequest(marked, "LON2")], on=ON)
    render_batch(batch.trust_id, batch.pk)
    batch.refresh_from_db()
    finished = (batch.status, batch.finished_at, bytes(batch.pdf), batch.rendered)

    render_batch(batch.trust_id, batch.pk)

    batch.refresh_from_db()
    assert (batch.status, batch.finished_at, bytes(batch.pdf), batch.rendered) == finished
    assert batch.status == LetterBatch.Status.DONE
