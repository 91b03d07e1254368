"""The filters every dashboard takes from its URL: school, year group, registration group, pupil characteristic and
date range. Kept in GET parameters so that any view can be bookmarked, shared and downloaded as it stands.

A school or group outside the user's scope is 404 (as if it did not exist); a value that is merely malformed (an
unknown year group or characteristic, a date that is not a date) is ignored and reported in `errors`, so a
hand-edited link still shows a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from schools.access import Access
from schools.calendar import academic_year
from schools.models import Enrolment, Pupil, RegistrationGroup, School
from schools.queries import groups_visible_to

YEAR_GROUPS = ("N1", "N2", "R", *(str(n) for n in range(1, 15)))


@dataclass(frozen=True)
class Characteristic:
    """A group of pupils by one recorded characteristic, e.g. FSM; `lookup` is Pupil field lookups, all of which hold
    (or, with `negate`, not all of which hold)."""

    key: str
    label: str
    lookup: Mapping[str, object]
    negate: bool = False

    def q(self, prefix: str = "") -> Q:
        """The condition on Pupil; `prefix` reaches the pupil from another model, e.g. "pupil__"."""
        condition = Q(**{f"{prefix}{name}": value for name, value in self.lookup.items()})
        return ~condition if self.negate else condition


_SEN = ("sen__in", [Pupil.SEN.SUPPORT, Pupil.SEN.EHCP])
CHARACTERISTICS: dict[str, Characteristic] = {
    c.key: c
    for c in (
        Characteristic("fsm", "FSM", {"fsm": True}),
        Characteristic("not_fsm", "Not FSM", {"fsm": True}, negate=True),
        Characteristic("pp", "Pupil premium", {"pupil_premium": True}),
        Characteristic("not_pp", "Not pupil premium", {"pupil_premium": True}, negate=True),
        Characteristic("sen", "SEN (support or EHC plan)", dict([_SEN])),
        Characteristic("sen_k", "SEN support", {"sen": Pupil.SEN.SUPPORT}),
        Characteristic("sen_e", "EHC plan", {"sen": Pupil.SEN.EHCP}),
        Characteristic("no_sen", "No SEN", {"sen": Pupil.SEN.NONE}),
        Characteristic("eal", "EAL", {"eal": True}),
        Characteristic("not_eal", "Not EAL", {"eal": True}, negate=True),
        Characteristic("gender_f", "Female", {"gender": Pupil.Gender.FEMALE}),
        Characteristic("gender_m", "Male", {"gender": Pupil.Gender.MALE}),
        Characteristic("gender_x", "Gender other or not given", {"gender": Pupil.Gender.OTHER}),
        Characteristic("lac", "Looked after", {"looked_after": True}),
    )
}


def year_to_date(today: dt.date) -> tuple[dt.date, dt.date]:
    """1 August of today's academic year, to today."""
    return dt.date(academic_year(today), 8, 1), today


@dataclass(frozen=True)
class Filters:
    access: Access
    school: School | None = None
    year: str = ""
    group: RegistrationGroup | None = None
    characteristic: Characteristic | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    # Filters fixed by the URL's path (e.g. the school of /dashboards/schools/<id>/): never repeated in the query.
    fixed: frozenset[str] = frozenset()
    errors: tuple[str, ...] = field(default=())

    @classmethod
    def from_request(cls, request: HttpRequest, **fixed: object) -> Filters:
        """The request's filters, scoped by request.access; `fixed` gives values taken from the path instead.

        Raises Http404 for a school or group the user may not see.
        """
        access: Access = request.access
        params = request.GET
        errors: list[str] = []
        values: dict[str, object] = {
            "school": _school(access, params.get("school", "")),
            "group": _group(access, params.get("group", "")),
            "year": _choice(params.get("year", ""), YEAR_GROUPS, "year group", errors),
            "characteristic": CHARACTERISTICS.get(
                _choice(params.get("characteristic", ""), CHARACTERISTICS, "group of pupils", errors)
            ),
            "start": _date(params.get("start", ""), "start", errors),
            "end": _date(params.get("end", ""), "end", errors),
        }
        if isinstance(fixed.get("characteristic"), str):
            fixed["characteristic"] = CHARACTERISTICS[fixed["characteristic"]]
        values.update(fixed)
        if values["start"] and values["end"] and values["start"] > values["end"]:
            errors.append("The start date is after the end date, so the year to date is shown.")
            values["start"] = values["end"] = None
        group, school = values["group"], values["school"]
        if group is not None and school is not None and group.school_id != school.pk:
            raise Http404("That group is not at this school")
        return cls(access=access, fixed=frozenset(fixed), errors=tuple(errors), **values)

    def window(self, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        """(start, end) of the filters' date range; missing ends default to the academic year to date."""
        today = today or timezone.localdate()
        end = self.end or (
            today
            if self.start is None or academic_year(self.start) == academic_year(today)
            else dt.date(academic_year(self.start) + 1, 7, 31)
        )
        start = self.start or year_to_date(end)[0]
        return start, end

    def pupils(self, today: dt.date | None = None) -> QuerySet:
        """The pupils the user may see, narrowed by every filter; a school narrows to pupils on its roll on at least
        one day of the window (leavers included, as the DfE counts them)."""
        pupils = Pupil.objects.visible_to(self.access)
        if self.school is not None:
            start, end = self.window(today)
            enrolled = Enrolment.objects.for_trust(self.access.trust).filter(
                Q(school=self.school, starts__lte=end) & (Q(ends__isnull=True) | Q(ends__gte=start))
            )
            pupils = pupils.filter(pk__in=enrolled.values("pupil"))
        if self.year:
            pupils = pupils.filter(year_group=self.year)
        if self.group is not None:
            pupils = pupils.filter(group=self.group)
        if self.characteristic is not None:
            pupils = pupils.filter(self.characteristic.q())
        return pupils

    def with_changes(self, **changes: object) -> Filters:
        return replace(self, **changes)

    def as_params(self) -> dict[str, str]:
        """The filters as query parameters, leaving out those fixed by the path and those not set."""
        params = {
            "school": self.school,
            "year": self.year,
            "group": self.group,
            "characteristic": self.characteristic.key if self.characteristic else "",
            "start": self.start,
            "end": self.end,
        }
        return {name: _param(value) for name, value in params.items() if name not in self.fixed and _param(value)}

    def query_string(self, **changes: object) -> str:
        """ "?..." for these filters with `changes` applied (None or "" removes one; other names are added, e.g.
        measure="pa"), or "" when nothing is left. Models become their ids, dates ISO dates."""
        params = self.as_params()
        for name, value in changes.items():
            if name == "characteristic" and isinstance(value, Characteristic):
                value = value.key
            if value is None or value == "":
                params.pop(name, None)
            else:
                params[name] = _param(value)
        return f"?{urlencode(params)}" if params else ""

    def describe(self) -> list[str]:
        """Each filter that narrows the pupils, in words, for a page's heading and a download's title."""
        words = []
        if self.year:
            words.append(f"Year {self.year}")
        if self.group is not None:
            words.append(f"Group {self.group.name}")
        if self.characteristic is not None:
            words.append(self.characteristic.label)
        return words


def _param(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _school(access: Access, wanted: str) -> School | None:
    if not wanted:
        return None
    school = access.scope_schools(School.objects.all()).filter(pk=int(wanted)).first() if wanted.isdigit() else None
    if school is None:
        raise Http404("No such school")
    return school


def _group(access: Access, wanted: str) -> RegistrationGroup | None:
    if not wanted:
        return None
    group = groups_visible_to(access).filter(pk=int(wanted)).first() if wanted.isdigit() else None
    if group is None:
        raise Http404("No such group")
    return group


def _choice(value: str, allowed, what: str, errors: list[str]) -> str:
    if value and value not in allowed:
        errors.append(f"“{value}” is not a {what} this page knows, so it is not applied.")
        return ""
    return value


def _date(value: str, name: str, errors: list[str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.append(f"The {name} date “{value}” is not a date (use YYYY-MM-DD), so it is not applied.")
        return None
