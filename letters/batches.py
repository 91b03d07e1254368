"""Batches of letters: what an approval (or a one-off print run) sends, made at once and rendered in the background.

`start_batch` records the batch and one Letter per request and contact with parental responsibility, each with its
figures frozen as on the day, in one transaction; the render task is queued once that transaction commits.
`render_batch` (the task's body) renders the letters still without a PDF, a chunk at a time, then merges every
letter into the PDF to print. It can run again for the same batch at any time: it never makes a letter twice and
never renders a letter that already has its PDF, and two runs at once share the work (each chunk is claimed with
SELECT ... FOR UPDATE SKIP LOCKED).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from interventions.models import Proposal
from schools.models import Contact, Pupil, PupilContact, School

from . import rendering
from .defaults import CATALOGUE
from .figures import figures_book
from .models import Letter, LetterBatch
from .templating import TemplateProblem
from .wordings import Wordings

logger = logging.getLogger(__name__)

# Letters rendered as one WeasyPrint document: large enough that the fixed cost per document is shared, small
# enough that progress moves every second or two and memory stays small.
CHUNK = 50
FAILED_PREFIX = "Rendering stopped: "


@dataclass(frozen=True)
class LetterRequest:
    pupil: Pupil
    code: str  # template code, e.g. "LON3"
    proposal: Proposal | None = None
    delivery: str = Letter.Delivery.POST


def postal_address(contact: Contact) -> str:
    """The contact's address with the postcode on its last line (once, even when the address already has it)."""
    lines = [line.strip() for line in contact.address.splitlines() if line.strip()]
    postcode = contact.postcode.strip()
    if postcode and not any(postcode.replace(" ", "").upper() in line.replace(" ", "").upper() for line in lines):
        lines.append(postcode)
    return "\n".join(lines)


def _check(school: School, requests: Sequence[LetterRequest]) -> None:
    for request in requests:
        if request.code not in CATALOGUE:
            raise ValueError(f"no letter {request.code!r}")
        if request.pupil.trust_id != school.trust_id:
            raise ValueError("every pupil must belong to the school's trust")
        if request.proposal is not None and request.proposal.trust_id != school.trust_id:
            raise ValueError("every proposal must belong to the school's trust")
        if request.delivery not in Letter.Delivery.values:
            raise ValueError(f"no delivery {request.delivery!r}")


def start_batch(
    *, school: School, user, title: str, requests: Sequence[LetterRequest], on: dt.date | None = None
) -> LetterBatch:
    """Record a batch with one letter per request and contact with parental responsibility, then queue its render.

    A letter already made for the same proposal, contact and code (an approval submitted twice) is not made again.
    Pupils with no contact with parental responsibility get no letter and are named in `batch.error`, as are
    letters whose delivery had to change (email with no email address, post with no postal address). A batch with
    no letters left to make is finished at once.
    """
    _check(school, requests)
    on = on or timezone.localdate()
    trust = school.trust
    pupils = {r.pupil.pk: r.pupil for r in requests}
    proposal_ids = {r.proposal.pk for r in requests if r.proposal is not None}
    with transaction.atomic():
        batch = LetterBatch.objects.create(
            trust=trust, school=school, title=title[:200], created_by=user, status=LetterBatch.Status.QUEUED
        )
        links: dict[int, list[PupilContact]] = {pk: [] for pk in pupils}
        for link in (
            PupilContact.objects.for_trust(trust)
            .filter(pupil__in=list(pupils), parental_responsibility=True)
            .select_related("contact")
            .order_by("priority", "pk")
        ):
            links[link.pupil_id].append(link)
        already = set(
            Letter.objects.for_trust(trust)
            .filter(proposal__in=proposal_ids)
            .values_list("proposal_id", "contact_id", "code")
        )
        book = figures_book(school, on, pupils.values(), proposal_ids)
        wordings = Wordings(trust)

        letters, warnings, seen = [], [], set()
        for request in requests:
            pupil = request.pupil
            if not links[pupil.pk]:
                warnings.append(
                    f"{pupil.display_name} ({pupil.upn}): no contact with parental responsibility, so no letter."
                )
                continue
            proposal_id = request.proposal.pk if request.proposal else None
            for link in links[pupil.pk]:
                contact = link.contact
                key = (proposal_id, contact.pk, request.code) if proposal_id else (pupil.pk, contact.pk, request.code)
                if key in seen or (proposal_id and key in already):
                    continue
                seen.add(key)
                language = wordings.for_contact(request.code, contact.language).language
                address = postal_address(contact)
                delivery = request.delivery
                if delivery == Letter.Delivery.EMAIL and not contact.email:
                    delivery = Letter.Delivery.POST
                    warnings.append(f"{contact.name} (for {pupil.display_name}): no email address, so sent by post.")
                if delivery == Letter.Delivery.POST and not address:
                    delivery = Letter.Delivery.HAND
                    warnings.append(f"{contact.name} (for {pupil.display_name}): no postal address, so hand delivered.")
                letters.append(
                    Letter(
                        trust=trust,
                        school=school,
                        batch=batch,
                        pupil=pupil,
                        contact=contact,
                        proposal=request.proposal,
                        code=request.code,
                        language=language,
                        delivery=delivery,
                        addressee=contact.name[:200],
                        address=address,
                        figures=book.names(
                            pupil.pk, parent_name=contact.name, proposal_id=proposal_id, language=language
                        ),
                    )
                )
        # A concurrent approval of the same proposal may have won the race: its letters stand and these are skipped.
        Letter.objects.bulk_create(letters, ignore_conflicts=True)
        total = Letter.objects.filter(batch=batch).count()
        batch.total, batch.error = total, "\n".join(warnings)
        if total:
            batch.save(update_fields=["total", "error"])
            transaction.on_commit(lambda: _queue(batch))
        else:
            batch.status, batch.finished_at = LetterBatch.Status.DONE, timezone.now()
            batch.save(update_fields=["total", "error", "status", "finished_at"])
    return batch


def _queue(batch: LetterBatch) -> None:
    from .tasks import render_letter_batch

    render_letter_batch.delay(batch.trust_id, batch.pk)


def queue_again(batch: LetterBatch) -> None:
    """Queue a failed batch's render again (after the wording that stopped it has been corrected)."""
    LetterBatch.objects.filter(pk=batch.pk, status=LetterBatch.Status.FAILED).update(status=LetterBatch.Status.QUEUED)
    transaction.on_commit(lambda: _queue(batch))


def _warnings(error: str) -> str:
    """The batch's warnings, without the message of an earlier failed render."""
    return error.split(FAILED_PREFIX)[0].rstrip()


def warnings_of(batch: LetterBatch) -> list[str]:
    """What the batch could not do as asked: pupils with no letter, deliveries changed. One sentence a line."""
    return [line for line in _warnings(batch.error).splitlines() if line.strip()]


def failure_of(batch: LetterBatch) -> str:
    """Why the batch's render stopped, or "" when it did not."""
    return batch.error.split(FAILED_PREFIX, 1)[1] if FAILED_PREFIX in batch.error else ""


def _render_chunk(batch: LetterBatch, wordings: Wordings, size: int) -> int:
    """Claim, render and store up to `size` letters still without a PDF; returns how many (0: none left)."""
    with transaction.atomic():
        letters = list(
            Letter.objects.for_trust(batch.trust)
            .filter(batch=batch, pdf__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("pupil", "school__trust")
            .order_by("pk")[:size]
        )
        if not letters:
            return 0
        contents = []
        for letter in letters:
            found = wordings.get(letter.code, letter.language) or wordings.get(letter.code, "English")
            try:
                contents.append(
                    rendering.lay_out(
                        school=letter.school,
                        pupil=letter.pupil,
                        code=letter.code,
                        language=letter.language,
                        addressee=letter.addressee,
                        address=letter.address,
                        figures=letter.figures,
                        wording=found.wording,
                    )
                )
            except TemplateProblem as e:
                raise TemplateProblem(
                    f"the {letter.code} letter in {letter.language} (for {letter.pupil.display_name}): {e} "
                    "Correct the wording on the letter templates page, then render the batch again."
                ) from None
        now = timezone.now()
        for letter, pdf in zip(letters, rendering.render_pdfs(contents), strict=True):
            letter.pdf, letter.rendered_at = pdf, now
        Letter.objects.bulk_update(letters, ["pdf", "rendered_at"])
    return len(letters)


def render_batch(trust_id: int, batch_id: int, chunk_size: int = CHUNK) -> None:
    """Render the batch's letters still without a PDF, then merge all of them into the PDF to print."""
    batches = LetterBatch.objects.filter(trust_id=trust_id, pk=batch_id)
    batch = batches.select_related("trust").first()
    # A task handed out again after its batch finished (its acknowledgement lost with a restarting broker) has
    # nothing to do: every letter has its PDF and the merge is made.
    if batch is None or batch.status == LetterBatch.Status.DONE:
        return
    warnings = _warnings(batch.error)
    batches.update(status=LetterBatch.Status.RUNNING, error=warnings)
    letters = Letter.objects.filter(trust_id=trust_id, batch_id=batch_id)
    try:
        wordings = Wordings(batch.trust)
        while _render_chunk(batch, wordings, chunk_size):
            batches.update(rendered=letters.filter(pdf__isnull=False).count())
        if letters.filter(pdf__isnull=True).exists():
            return  # another run holds the rest; the last to finish merges
        pdfs = [bytes(pdf) for pdf in letters.order_by("pk").values_list("pdf", flat=True).iterator(chunk_size=200)]
        merged = rendering.merge(pdfs)
    except Exception as e:  # the batch page shows why; the letters rendered so far are kept
        logger.exception("letter batch %s failed", batch_id)
        message = str(e) if isinstance(e, TemplateProblem) else f"{type(e).__name__}: {e}"
        batches.update(
            status=LetterBatch.Status.FAILED,
            error=(f"{warnings}\n\n" if warnings else "") + FAILED_PREFIX + message,
            rendered=letters.filter(pdf__isnull=False).count(),
            finished_at=timezone.now(),
        )
        return
    batches.update(
        status=LetterBatch.Status.DONE, pdf=merged, rendered=len(pdfs), total=len(pdfs), finished_at=timezone.now()
    )
