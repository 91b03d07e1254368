"""Reading a pupil's mark history: every version of every mark, with the code it replaced."""

from __future__ import annotations

from django.db.models import F, QuerySet, Window
from django.db.models.functions import Lag

from schools.models import Pupil

from .models import Mark


def history_for_pupil(pupil: Pupil) -> QuerySet:
    """Events (insert, update, delete) on the pupil's marks, newest first, each annotated with `old_code`.

    `old_code` is the code of the previous version of the same mark (None for the first), computed by the database.
    """
    MarkEvent = Mark.pgh_event_model
    return (
        MarkEvent.objects.filter(pupil_id=pupil.pk, trust_id=pupil.trust_id)
        .annotate(
            old_code=Window(Lag("code"), partition_by=[F("pgh_obj_id")], order_by=F("pgh_id").asc()),
        )
        .select_related("recorded_by", "pgh_context")
        .order_by("-pgh_id")
    )
