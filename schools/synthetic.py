"""Synthetic pupils and registers for the demonstration trusts and the benchmarks, deterministic from a seed.

Two halves:
- people: families (shared surname, address and parent Contact rows), pupils with dates of birth that fit their
  year group, pupil characteristics at national rates, groups and enrolments (`create_pupils`);
- registers: one code per pupil per school day per session, from a per-pupil absence propensity drawn from a
  skewed (beta) distribution, so absence concentrates the way it does in real schools (`register_codes`), written
  to the database with PostgreSQL COPY (`copy_marks`).

Everything random comes from `random.Random` instances seeded with strings, never from set or dict order, so the
same seed gives the same trust, and a pupil's marks do not depend on which other pupils are generated.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import connection

from . import calendar
from .models import Closure, Contact, Enrolment, HalfTerm, Pupil, PupilContact, RegistrationGroup, School, Trust
from .services import rebuild_school_days

# --- calendars ----------------------------------------------------------------------------------------------------

# (name, first day, last day); the English half-terms the demo and the benchmark use.
HALF_TERMS: dict[int, tuple[tuple[str, dt.date, dt.date], ...]] = {
    2025: (
        ("Autumn 1", dt.date(2025, 9, 3), dt.date(2025, 10, 24)),
        ("Autumn 2", dt.date(2025, 11, 3), dt.date(2025, 12, 19)),
        ("Spring 1", dt.date(2026, 1, 5), dt.date(2026, 2, 13)),
        ("Spring 2", dt.date(2026, 2, 23), dt.date(2026, 3, 27)),
        ("Summer 1", dt.date(2026, 4, 13), dt.date(2026, 5, 22)),
        ("Summer 2", dt.date(2026, 6, 1), dt.date(2026, 7, 22)),
    ),
    2026: (
        ("Autumn 1", dt.date(2026, 9, 2), dt.date(2026, 10, 23)),
        ("Autumn 2", dt.date(2026, 11, 2), dt.date(2026, 12, 18)),
        ("Spring 1", dt.date(2027, 1, 4), dt.date(2027, 2, 12)),
        ("Spring 2", dt.date(2027, 2, 22), dt.date(2027, 3, 26)),
        ("Summer 1", dt.date(2027, 4, 12), dt.date(2027, 5, 21)),
        ("Summer 2", dt.date(2027, 6, 1), dt.date(2027, 7, 21)),
    ),
}

# Bank holidays that fall inside those half-terms (schools are shut; they are closures, not INSET days).
BANK_HOLIDAYS: dict[int, tuple[tuple[str, dt.date], ...]] = {
    2025: (("Early May bank holiday", dt.date(2026, 5, 4)),),
    # Easter Sunday 2027 is 28 March, so the last day of Spring 2 is Good Friday.
    2026: (("Good Friday", dt.date(2027, 3, 26)), ("Early May bank holiday", dt.date(2027, 5, 3))),
}

# A week of winter illness each year (the bug that goes round every class).
BUG_WAVE_WEEKS = {2025: dt.date(2025, 12, 8), 2026: dt.date(2026, 11, 9)}

# Days on which some families keep a religious festival (code R): Diwali 2025 and Eid al-Fitr 2026.
FESTIVALS = {"diwali": (dt.date(2025, 10, 20),), "eid": (dt.date(2026, 3, 20),)}

# Work experience week for Year 10 (code W), 2025/26.
WORK_EXPERIENCE = {2025: (dt.date(2026, 6, 29), dt.date(2026, 7, 3))}


def first_school_day(year: int) -> dt.date:
    return HALF_TERMS[year][0][1]


def last_school_day(year: int) -> dt.date:
    return HALF_TERMS[year][-1][2]


def create_calendar(school: School, years: Iterable[int], inset_days: Iterable[dt.date] = ()) -> int:
    """The school's half-terms, bank holidays and INSET days for `years`, then its school days; returns their count."""
    years = list(years)
    HalfTerm.objects.bulk_create(
        HalfTerm(trust_id=school.trust_id, school=school, name=name, starts=starts, ends=ends)
        for year in years
        for name, starts, ends in HALF_TERMS[year]
    )
    closures = [
        Closure(trust_id=school.trust_id, school=school, kind=Closure.Kind.CLOSURE, name=name, starts=day, ends=day)
        for year in years
        for name, day in BANK_HOLIDAYS[year]
    ]
    closures += [
        Closure(
            trust_id=school.trust_id, school=school, kind=Closure.Kind.INSET, name="INSET day", starts=day, ends=day
        )
        for day in inset_days
    ]
    Closure.objects.bulk_create(closures)
    return rebuild_school_days(school)


# --- names, places, numbers ------------------------------------------------------------------------------------


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


GIRLS = _words(
    "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence Emily Ella Poppy Evie "
    "Elsie Charlotte Evelyn Sienna Daisy Phoebe Sophie Harper Ruby Millie Matilda Alice Jessica Chloe Erin Holly Lucy "
    "Maisie Scarlett Hannah Megan Ellie Amber Esme Imogen Molly Eleanor Harriet Bethany Abigail Niamh Caitlin Keira "
    "Jasmine Summer Lacey Layla Zara Leah Lola Nancy Iris Mabel Orla Aria Thea Hallie Eliza Bonnie Ada Edie"
)
BOYS = _words(
    "Oliver George Noah Arthur Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie Theo Alfie Jacob Thomas "
    "Finley Arlo William Lucas Roman Tommy Isaac Teddy Alexander Luca Edward James Joshua Albie Elijah Max Mason "
    "Reuben Samuel Ethan Harrison Riley Logan Joseph Daniel Dylan Kai Callum Lewis Jayden Tyler Kyle Owen Rhys Harvey "
    "Louie Ollie Ryan Connor Nathan Liam Ben Jenson Frankie Hugo Rory Ronnie Stanley Bobby Sonny Jude Ezra Louis"
)
SURNAMES = _words(
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White Roberts "
    "Green Hall Wood Jackson Clarke Hughes Edwards Lewis Harris Martin Cooper King Lee Ward Turner Hill Moore Clark "
    "Baker Harrison Morris Mitchell Parker Bennett Kelly Shaw Cook Richardson Holmes Lloyd Marshall Murphy Bailey "
    "Atkinson Barnes Fletcher Kenyon Heywood Ashworth Whittaker Brennan Gallagher Doyle Nolan Ogden Pickering Rigby "
    "Sutcliffe Crossley Hargreaves Lord Pilkington Unsworth Worthington Foster Dawson Chapman Hewitt Ellis Walsh "
    "Butler Jennings Whitehead Booth Lowe Price Burton Holt Bradley Slater Greenwood Dobson O'Brien McCarthy Quinn"
)

# Home languages other than English: (language, share of EAL families, girls, boys, surnames, festival).
HOME_LANGUAGES = (
    (
        "Polish",
        24,
        "Zofia Julia Maja Hanna Lena Alicja",
        "Jakub Antoni Szymon Filip Kacper Jan",
        "Nowak Wójcik Kowalczyk Mazur Krawczyk Zając Król Wieczorek",
        None,
    ),
    (
        "Urdu",
        24,
        "Aisha Maryam Hafsa Zainab Inaya Aleena",
        "Muhammad Ibrahim Yusuf Hamza Ayaan Zayan",
        "Khan Hussain Ahmed Iqbal Akhtar Mahmood Rashid Shah",
        "eid",
    ),
    (
        "Romanian",
        14,
        "Ioana Maria Andreea Elena Daria Sofia",
        "Andrei Mihai Luca Stefan David Matei",
        "Popescu Ionescu Popa Stan Dumitru Munteanu",
        None,
    ),
    (
        "Arabic",
        12,
        "Amira Layla Noor Yasmin Mariam Salma",
        "Omar Adam Zayd Karim Yahya Ahmad",
        "Ali Hassan Ibrahim Mahmoud Saleh Abdullah",
        "eid",
    ),
    (
        "Bengali",
        10,
        "Tasnim Nusrat Sumaiya Raisa Anisa Safa",
        "Rayan Sami Arif Tahmid Imran Rahim",
        "Rahman Uddin Miah Islam Chowdhury Hoque",
        "eid",
    ),
    (
        "Punjabi",
        10,
        "Simran Harleen Jasleen Amrit Navneet Gurleen",
        "Arjun Jaskaran Gurveer Harjot Manveer Aarav",
        "Singh Sandhu Gill Dhillon Sidhu Bains",
        "diwali",
    ),
    (
        "Portuguese",
        6,
        "Beatriz Leonor Matilde Carolina Ines Mariana",
        "Tiago Rodrigo Duarte Goncalo Tomas Afonso",
        "Silva Santos Ferreira Pereira Costa Oliveira",
        None,
    ),
)

MOTHERS = _words("Sarah Emma Laura Rebecca Gemma Claire Lisa Natalie Kirsty Jade Amy Hayley Stacey Danielle Victoria")
FATHERS = _words(
    "David Mark Paul Andrew Richard Lee Craig Daniel Christopher Michael Steven Matthew Gareth Darren Jamie"
)
PARENT_NAMES = {
    "Polish": ("Agnieszka Katarzyna Magdalena", "Piotr Tomasz Marcin"),
    "Urdu": ("Nazia Saima Rubina", "Imran Tariq Asif"),
    "Romanian": ("Mihaela Alina Cristina", "Ionut Florin Adrian"),
    "Arabic": ("Fatima Huda Rana", "Khalid Samir Walid"),
    "Bengali": ("Shirin Rokeya Nasima", "Jamal Habib Kamal"),
    "Punjabi": ("Manpreet Rajinder Kuldeep", "Sukhwinder Baljit Harpreet"),
    "Portuguese": ("Ana Sofia Patricia", "Joao Nuno Ricardo"),
}
STREETS = _words(
    "Victoria Road, Church Lane, Station Road, Park Avenue, Orchard Close, Mill Lane, Chapel Street, Queens Drive, "
    "Beech Grove, Meadow View, Hawthorn Close, Canal Street, Bridge Street, Cromwell Avenue, Windermere Road, "
    "Larch Way, Sycamore Drive, Poplar Avenue, Cedar Court, Kingsway, Farrier Close, Heath Road, Moss Lane, "
    "School Lane, Fir Tree Walk, Cherry Tree Drive, Rowan Crescent, Lime Street, Elm Road, Greenway",
    ", ",
)
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters Royal Mail uses in the inward code

# Phone numbers Ofcom keeps for drama, so no real household is ever rung from the demo.
PHONE_RANGES = ("07700 900{:03d}", "01632 960{:03d}", "0151 496 0{:03d}", "0161 496 0{:03d}", "0113 496 0{:03d}")

# Class names for infant and primary classes, one per class in a year group ("3 Oak", "3 Ash").
TREES = ("Oak", "Ash", "Elm", "Birch", "Willow", "Rowan")
# Secondary tutor groups ("9K", "9L", ...).
FORMS = "KLMNPRST"

WATCH_LIST_REASONS = (
    "Operation Encompass notification after a domestic incident at home",
    "Sibling missing from education last year; family moved twice since",
    "Young carer for a parent with a long-term illness",
    "Previous child missing education referral; re-admitted this year",
    "Concerns shared by the GP about repeated unexplained injuries",
    "Police contact about associating with older young people after school",
    "Family in temporary accommodation; long journey to school",
    "Early help plan closed in the summer; attendance dropped before",
)

UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn(la_code: int, establishment: int, year: int, serial: int) -> str:
    """A unique pupil number in the DfE's format: check letter, LA, establishment, 2-digit year, 3-digit serial."""
    digits = f"{la_code:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
    check = sum(int(d) * weight for d, weight in zip(digits, range(2, 14), strict=True)) % 23
    return UPN_CHECK_LETTERS[check] + digits


def year_group_offset(year_group: str) -> int:
    """Years of schooling before this year group: R is 0, Year 1 is 1, ... Year 11 is 11."""
    return 0 if year_group == "R" else int(year_group)


def year_group_in(year_group: str, years_later: int) -> str | None:
    """The year group `years_later` academic years on (negative for earlier); None before Reception."""
    n = year_group_offset(year_group) + years_later
    if n < 0:
        return None
    return "R" if n == 0 else str(n)


def date_of_birth(rng: random.Random, year_group: str, academic_year: int) -> dt.date:
    """A birthday that puts the child in `year_group` in `academic_year` (born Sep of year-N-5 to Aug of year-N-4)."""
    start = dt.date(academic_year - year_group_offset(year_group) - 5, 9, 1)
    return start + dt.timedelta(days=rng.randrange((dt.date(start.year + 1, 9, 1) - start).days))


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


# --- plans: what a school should look like ----------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolPlan:
    """A school to populate: `pupils` on roll this year, spread evenly over its year groups."""

    school: School
    year_groups: tuple[str, ...]
    pupils: int
    la_code: int
    establishment: int
    area: tuple[tuple[str, str], ...]  # (locality, postcode district) pairs pupils live in
    post_town: str


@dataclass
class AbsenceProfile:
    """A pupil's habits, from which every academic year's register is drawn."""

    rate: float  # expected share of possible sessions missed in a typical year
    lateness: float = 0.02  # chance of arriving late on a morning the pupil comes in
    festival: str | None = None  # a key of FESTIVALS the family keeps
    team: bool = False  # plays in school fixtures (code P on fixture afternoons)
    alternative_provision: bool = False  # at local-authority provision two days a week (code K)
    reduced_timetable: bool = False  # a temporary part-time timetable for some weeks (code C2)
    holiday_chance: float = 0.0  # chance each year of a term-time holiday of a week or more (code G)


@dataclass
class Enrolled:
    school_id: int
    starts: dt.date
    ends: dt.date | None


@dataclass
class PupilPlan:
    """A created pupil and what the register generator needs to know about them."""

    pupil_id: int
    upn: str
    year_group: str  # this year's, or the last one for a leaver
    academic_year: int  # the year `year_group` applies to
    profile: AbsenceProfile
    enrolments: list[Enrolled] = field(default_factory=list)

    def year_group_during(self, year: int) -> str | None:
        return year_group_in(self.year_group, year - self.academic_year)


@dataclass
class _Family:
    surname: str
    language: str  # home language
    letters_in: str  # the language the parents want letters in
    address: str
    postcode: str
    size: int  # children in the trust's schools
    fsm: bool
    looked_after: bool
    social_worker: bool
    child_protection: bool
    festival: str | None
    names: tuple[Sequence[str], Sequence[str]]  # girls', boys' forenames to draw from
    contacts: list[tuple[Contact, str, bool]] = field(default_factory=list)  # (contact, relationship, PR)


@dataclass
class _Seat:
    """One place to fill: a pupil in a year group and class at a school, on roll over some dates."""

    plan: SchoolPlan
    year_group: str  # in `year`
    year: int
    group: RegistrationGroup | None
    starts: dt.date
    ends: dt.date | None
    started_school_here: bool  # began Reception here, so the UPN was given here


# --- people ------------------------------------------------------------------------------------------------------


class _Numbers:
    """Hands out unique UPN serials, phone numbers and e-mail suffixes."""

    def __init__(self) -> None:
        self.serials: Counter[tuple[int, int, int]] = Counter()
        self.phones = 0
        self.emails = 0

    def next_upn(self, la_code: int, establishment: int, year: int) -> str:
        key = (la_code, establishment, year)
        self.serials[key] += 1
        if self.serials[key] > 999:
            raise ValueError(f"more than 999 UPNs for establishment {establishment} in {year}")
        return upn(la_code, establishment, year, self.serials[key])

    def next_phone(self) -> str:
        pattern = PHONE_RANGES[(self.phones // 1000) % len(PHONE_RANGES)]
        self.phones += 1
        return pattern.format((self.phones - 1) % 1000)


def create_groups(plan: SchoolPlan, class_size: int = 30) -> dict[str, list[RegistrationGroup]]:
    """Registration groups for each year group of the school: "3 Oak" style in primary, "9K" style in secondary."""
    per_year = math.ceil(plan.pupils / len(plan.year_groups))
    secondary = plan.school.phase == School.Phase.SECONDARY
    groups: dict[str, list[RegistrationGroup]] = {}
    for year_group in plan.year_groups:
        count = max(1, math.ceil(per_year / class_size))
        names = [
            f"{year_group}{FORMS[i % len(FORMS)]}" if secondary else f"{year_group} {TREES[i]}" for i in range(count)
        ]
        groups[year_group] = [
            RegistrationGroup(trust_id=plan.school.trust_id, school=plan.school, name=name, year_group=year_group)
            for name in names
        ]
    RegistrationGroup.objects.bulk_create([g for gs in groups.values() for g in gs])
    return groups


def create_pupils(
    trust: Trust,
    plans: Sequence[SchoolPlan],
    *,
    year: int,
    seed: str,
    leavers: bool = False,
    movers: bool = True,
    contacts: bool = True,
    transfer_share: float = 0.4,
) -> list[PupilPlan]:
    """Create groups, pupils, enrolments and (optionally) parent contacts for the schools; return the pupils' plans.

    Every pupil is on roll in academic year `year`, most from their school's entry year, a few admitted or leaving
    during it (none without `movers`: then every pupil is on roll all year). With `leavers`, last year's top year
    group of each school is created too (left at the end of the summer term), and `transfer_share` of the Year 6
    leavers moved up to Year 7 at a secondary school of the trust.
    """
    rng = random.Random(f"{seed}:people")
    numbers = _Numbers()
    groups = {plan.school.pk: create_groups(plan) for plan in plans}
    seats = _seats(rng, plans, groups, year=year, leavers=leavers, movers=movers)
    moves_to = _transfers(seats, year, transfer_share)
    rng.shuffle(seats)
    families = _families(rng, trust, len(seats), plans, numbers)

    created: list[tuple[Pupil, PupilPlan, list[_Seat], _Family]] = []
    unfilled = iter(seats)
    for family in families:
        for seat in (s for _, s in zip(range(family.size), unfilled, strict=False)):
            path = [seat, moves_to[id(seat)]] if id(seat) in moves_to else [seat]
            pupil, plan = _pupil(rng, trust, family, path, numbers)
            created.append((pupil, plan, path, family))
    Pupil.objects.bulk_create([pupil for pupil, _, _, _ in created])

    enrolments = []
    for pupil, plan, path, _ in created:
        plan.pupil_id = pupil.pk
        for seat in path:
            enrolments.append(
                Enrolment(trust=trust, pupil=pupil, school=seat.plan.school, starts=seat.starts, ends=seat.ends)
            )
            plan.enrolments.append(Enrolled(seat.plan.school.pk, seat.starts, seat.ends))
    Enrolment.objects.bulk_create(enrolments)
    if contacts:
        _create_contacts(trust, plans, numbers, families, [(pupil, family) for pupil, _, _, family in created])
    return [plan for _, plan, _, _ in created]


def _create_contacts(
    trust: Trust,
    plans: Sequence[SchoolPlan],
    numbers: _Numbers,
    families: list[_Family],
    children: list[tuple[Pupil, _Family]],
) -> None:
    """Parents' Contact rows, one set per family, linked to every child of the family in priority order."""
    Contact.objects.bulk_create([contact for family in families for contact, _, _ in family.contacts])
    # Looked-after children: the local authority shares parental responsibility, and one office deals with all.
    council = Contact.objects.create(
        trust=trust,
        name="Children's Services (Virtual School)",
        phone=numbers.next_phone(),
        email="virtual.school@example.gov.uk",
        address=f"Civic Centre\n{plans[0].post_town}",
        postcode=f"{plans[0].area[0][1]} 1AA",
    )
    links = []
    for pupil, family in children:
        people = list(family.contacts)
        if pupil.looked_after:
            people.append((council, "Local authority (corporate parent)", True))
        links += [
            PupilContact(
                trust=trust,
                pupil=pupil,
                contact=contact,
                relationship=relationship,
                parental_responsibility=responsibility,
                priority=priority,
            )
            for priority, (contact, relationship, responsibility) in enumerate(people, start=1)
        ]
    PupilContact.objects.bulk_create(links)


def _seats(
    rng: random.Random,
    plans: Sequence[SchoolPlan],
    groups: dict[int, dict[str, list[RegistrationGroup]]],
    *,
    year: int,
    leavers: bool,
    movers: bool,
) -> list[_Seat]:
    """Every place on every school's roll this year (and last year's leavers), with admission and leaving dates."""
    seats = []
    first_day = dt.date(year, 9, 1)
    for plan in plans:
        entry = plan.year_groups[0]
        counts = spread(plan.pupils, len(plan.year_groups))
        for year_group, count in zip(plan.year_groups, counts, strict=True):
            classes = groups[plan.school.pk][year_group]
            years_here = year_group_offset(year_group) - year_group_offset(entry)
            joined = dt.date(year - years_here, 9, 1)
            for i in range(count):
                group, starts, ends, here = classes[i % len(classes)], joined, None, entry == "R"
                roll = rng.random() if movers else 1.0
                if roll < 0.05 and years_here > 0:  # joined in an earlier year, part-way through it
                    starts = _weekday_from(joined + dt.timedelta(days=rng.randrange((first_day - joined).days - 45)))
                    here = False
                elif roll < 0.065:  # admitted this autumn, after the start of term
                    starts = _weekday_from(first_day + dt.timedelta(days=rng.randint(20, 70)))
                    here = False
                elif roll < 0.075:  # moved away this autumn; off roll, so in no class any more
                    group, ends = None, first_day + dt.timedelta(days=rng.randint(25, 60))
                seats.append(_Seat(plan, year_group, year, group, starts, ends, here))
        if leavers:
            top = plan.year_groups[-1]
            years_here = year_group_offset(top) - year_group_offset(entry)
            last_day = HALF_TERMS[year - 1][-1][2] if year - 1 in HALF_TERMS else dt.date(year, 7, 20)
            seats += [
                _Seat(plan, top, year - 1, None, dt.date(year - 1 - years_here, 9, 1), last_day, entry == "R")
                for _ in range(counts[-1])
            ]
    return seats


def spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` whole numbers that differ by at most one."""
    base, extra = divmod(total, parts)
    return [base + (i < extra) for i in range(parts)]


def _weekday_from(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _transfers(seats: list[_Seat], year: int, share: float) -> dict[int, _Seat]:
    """Send `share` of last year's Year 6 leavers on to this year's Year 7 places at the trust's secondary schools.

    Returns {id(leaver's seat): Year 7 seat}; the Year 7 seats taken are removed from `seats`, since the leaver
    fills them.
    """
    leavers = [s for s in seats if s.year == year - 1 and s.year_group == "6"]
    places = [s for s in seats if s.year == year and s.year_group == "7" and s.starts == dt.date(year, 9, 1)]
    pairs = list(zip(leavers[: int(len(leavers) * share)], places, strict=False))
    taken = {id(place) for _, place in pairs}
    seats[:] = [s for s in seats if id(s) not in taken]
    return {id(leaver): place for leaver, place in pairs}


def _families(
    rng: random.Random, trust: Trust, children: int, plans: Sequence[SchoolPlan], numbers: _Numbers
) -> list[_Family]:
    """Enough families for `children` pupils: most have one child in the trust, some two or three."""
    families = []
    while children > 0:
        size = min(children, rng.choices((1, 2, 3), weights=(68, 24, 8))[0])
        families.append(_family(rng, trust, rng.choice(plans), numbers, size))
        children -= size
    return families


def _family(rng: random.Random, trust: Trust, plan: SchoolPlan, numbers: _Numbers, size: int) -> _Family:
    language, letters_in, festival = "English", "English", None
    girls, boys, surnames = GIRLS, BOYS, SURNAMES
    mothers, fathers = MOTHERS, FATHERS
    if rng.random() < 0.20:  # English as an additional language: about one pupil in five nationally
        entry = rng.choices(HOME_LANGUAGES, weights=[row[1] for row in HOME_LANGUAGES])[0]
        language, _, g, b, s, festival = entry
        girls, boys, surnames = g.split(), b.split(), s.split()
        mothers, fathers = (names.split() for names in PARENT_NAMES[language])
        if rng.random() < 0.35:  # the parents read letters best in their own language
            letters_in = language
    surname = rng.choice(surnames)
    locality, district = rng.choice(plan.area)
    postcode = f"{district} {rng.randint(1, 9)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
    address = f"{rng.randint(1, 140)} {rng.choice(STREETS)}\n{locality}\n{plan.post_town}"
    # Looked after: about 0.5% of pupils, one child per placement here, the foster carer the first contact.
    looked_after = size == 1 and rng.random() < 0.015
    social_worker = looked_after or rng.random() < 0.02
    family = _Family(
        surname=surname,
        language=language,
        letters_in=letters_in,
        address=address,
        postcode=postcode,
        size=size,
        fsm=rng.random() < 0.25,
        looked_after=looked_after,
        social_worker=social_worker,
        # Child protection plans: about a quarter of the children with a social worker (0.5% of pupils).
        child_protection=social_worker and not looked_after and rng.random() < 0.25,
        festival=festival,
        names=(girls, boys),
    )
    shape = rng.random()
    if looked_after:
        people = [("Foster carer", False, rng.choice(MOTHERS), rng.choice(SURNAMES))]
    else:
        # Who the school rings first: usually mum, often dad as well, sometimes a grandparent or step-parent.
        people = [("Mother", True, rng.choice(mothers), surname)]
        if shape < 0.55:
            people.append(("Father", True, rng.choice(fathers), surname))
        elif shape < 0.65:
            people = [("Father", True, rng.choice(fathers), surname)]
        elif shape < 0.72:
            people.append(("Grandmother", False, rng.choice(mothers), surname))
        elif shape < 0.78:
            people.append(("Stepfather", False, rng.choice(FATHERS), rng.choice(SURNAMES)))
    for relationship, responsibility, forename, family_name in people:
        numbers.emails += 1
        email = f"{ascii_slug(forename)}.{ascii_slug(family_name)}{numbers.emails}@example.com"
        contact = Contact(
            trust=trust,
            name=f"{forename} {family_name}",
            phone=numbers.next_phone(),
            phone_alt=numbers.next_phone() if rng.random() < 0.3 else "",
            email=email if rng.random() < 0.8 else "",
            address=address,
            postcode=postcode,
            language=family.letters_in,
        )
        family.contacts.append((contact, relationship, responsibility))
    return family


def _pupil(
    rng: random.Random, trust: Trust, family: _Family, path: list[_Seat], numbers: _Numbers
) -> tuple[Pupil, PupilPlan]:
    """A pupil for the seats in `path` (one school, or a primary then a secondary); not saved yet."""
    first, now = path[0], path[-1]
    gender = rng.choice((Pupil.Gender.FEMALE, Pupil.Gender.MALE))
    forename = rng.choice(family.names[0] if gender == Pupil.Gender.FEMALE else family.names[1])
    # SEN: about 13% SEN support and 2.5% with an EHC plan, boys about twice as often as girls.
    sen_scale = 1.35 if gender == Pupil.Gender.MALE else 0.65
    sen_roll = rng.random()
    sen = Pupil.SEN.NONE
    if sen_roll < 0.025 * sen_scale:
        sen = Pupil.SEN.EHCP
    elif sen_roll < 0.155 * sen_scale:
        sen = Pupil.SEN.SUPPORT
    # The UPN is given when a child first starts school in England, in Reception: here, or at some other school.
    started_school = first.year - year_group_offset(first.year_group)
    first_school = first.plan.establishment if first.started_school_here else 2000 + rng.randrange(1000)
    pupil = Pupil(
        trust=trust,
        upn=numbers.next_upn(first.plan.la_code, first_school, started_school),
        legal_surname=family.surname,
        legal_forename=forename,
        preferred_forename=_short_name(rng, forename),
        date_of_birth=date_of_birth(rng, now.year_group, now.year),
        gender=gender,
        year_group=now.year_group,
        group=now.group,
        fsm=family.fsm,
        # Pupil premium: FSM now or in the last six years, and every looked-after child.
        pupil_premium=family.fsm or family.looked_after or rng.random() < 0.05,
        sen=sen,
        eal=family.language != "English",
        looked_after=family.looked_after,
        social_worker=family.social_worker,
        child_protection_plan=family.child_protection,
    )
    profile = _absence_profile(rng, pupil, now.plan.school.phase, family)
    # The DSL's watch list: a handful of pupils, those on a plan first, then some whose absence is a worry.
    if (
        family.child_protection
        or (family.looked_after and rng.random() < 0.5)
        or (profile.rate > 0.3 and rng.random() < 0.1)
    ):
        pupil.watch_list = True
        pupil.watch_list_reason = rng.choice(WATCH_LIST_REASONS)
    plan = PupilPlan(
        pupil_id=0,
        upn=pupil.upn,
        year_group=now.year_group,
        academic_year=now.year,
        profile=profile,
    )
    return pupil, plan


SHORT_NAMES = {
    "Alexander": "Alex",
    "Thomas": "Tom",
    "Samuel": "Sam",
    "Joshua": "Josh",
    "Isabella": "Bella",
    "Elizabeth": "Libby",
    "Theodore": "Teddy",
    "Matthew": "Matt",
    "Charlotte": "Lottie",
    "Eleanor": "Ellie",
}


def _short_name(rng: random.Random, forename: str) -> str:
    return SHORT_NAMES[forename] if forename in SHORT_NAMES and rng.random() < 0.5 else ""


# The typical pupil's propensity by phase. With the severely absent few, the year-to-year wobble and the winter
# bug on top, schools come out near the national rates (2024/25: primary about 5%, secondary about 9%).
PHASE_ABSENCE = {
    School.Phase.INFANT: 0.039,
    School.Phase.PRIMARY: 0.0375,
    School.Phase.SECONDARY: 0.073,
    School.Phase.SPECIAL: 0.09,
}
# Beta concentration: lower spreads the rates further apart (a few pupils miss a lot, most miss little).
CONCENTRATION = 6.0
SEVERE_SHARE = 0.005


def _absence_profile(rng: random.Random, pupil: Pupil, phase: str, family: _Family) -> AbsenceProfile:
    """A pupil's habits. Disadvantage, SEN and a social worker raise absence as they do nationally."""
    weight = 1.0
    weight *= 1.7 if pupil.fsm else 1.0
    weight *= {Pupil.SEN.SUPPORT: 1.3, Pupil.SEN.EHCP: 1.6}.get(pupil.sen, 1.0)
    weight *= 1.4 if pupil.social_worker else 1.0
    # The weights average about 1.25 over the population; dividing keeps the phase mean where it belongs.
    mean = min(0.6, PHASE_ABSENCE[phase] * weight / 1.25)
    if rng.random() < SEVERE_SHARE * weight / 1.25:
        rate = rng.uniform(0.5, 0.85)
    else:
        rate = rng.betavariate(CONCENTRATION * mean, CONCENTRATION * (1 - mean))
    secondary = phase == School.Phase.SECONDARY
    return AbsenceProfile(
        rate=rate,
        lateness=min(0.25, 0.02 * rng.lognormvariate(0, 0.8) * (1 + 4 * rate)),
        festival=family.festival if rng.random() < 0.75 else None,
        team=secondary and rng.random() < 0.12,
        alternative_provision=secondary and rate > 0.2 and rng.random() < 0.1,
        reduced_timetable=pupil.sen == Pupil.SEN.EHCP and rate > 0.1 and rng.random() < 0.3,
        holiday_chance=(0.015 if secondary else 0.025) * (1 + 3 * rate),
    )


# --- registers ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolTimes:
    """Minutes after the start of the day that count as late (L) and after registers close (U)."""

    late_max: int
    unauthorised_from: int

    @classmethod
    def of(cls, school: School) -> SchoolTimes:
        def minutes(t: dt.time) -> int:
            return t.hour * 60 + t.minute

        close = max(minutes(school.registers_close), minutes(school.late_until))
        return cls(
            late_max=max(2, close - minutes(school.day_starts)),
            unauthorised_from=close - minutes(school.day_starts) + 1,
        )


@dataclass
class SchoolYear:
    """One school's school days in one academic year, with what makes each day different."""

    year: int
    school_id: int
    trust_id: int
    phase: str
    times: SchoolTimes
    days: list[dt.date]
    weights: list[float]  # how much more likely an absence starts that day (Fridays, the days before a holiday)
    bug_wave: list[bool]
    breaks: list[int]  # indices of the last school day before each holiday of a week or more
    trips: dict[str, list[dt.date]]  # year group -> days out of school on a visit (V)
    fixtures: frozenset[dt.date]  # afternoons of school sports fixtures (P)


# Absence is likelier on Mondays and most on Fridays, least midweek.
WEEKDAY_WEIGHT = (1.05, 0.9, 0.9, 0.95, 1.2)
BEFORE_BREAK_WEIGHT = 1.4


YEAR_GROUPS = ("R", *map(str, range(1, 12)))


def school_year(school: School, year: int, days: Sequence[dt.date], seed: str) -> SchoolYear:
    """Describe a school's year from its school days (the SchoolDay rows of that academic year)."""
    rng = random.Random(f"{seed}:year:{school.urn}:{year}")
    days = sorted(days)
    breaks = [i for i in range(len(days) - 1) if (days[i + 1] - days[i]).days > 4]
    before_break = {j for i in breaks for j in (i - 1, i) if j >= 0}
    wave = BUG_WAVE_WEEKS.get(year)
    phase = school.phase
    # A day out for each year group, sometimes two.
    trips = {yg: sorted(rng.sample(days, min(rng.choice((1, 1, 2)), len(days)))) for yg in YEAR_GROUPS} if days else {}
    wednesdays = [d for d in days if d.weekday() == 2]
    fixtures = (
        frozenset(rng.sample(wednesdays, len(wednesdays) // 3)) if phase == School.Phase.SECONDARY else frozenset()
    )
    return SchoolYear(
        year=year,
        school_id=school.pk,
        trust_id=school.trust_id,
        phase=phase,
        times=SchoolTimes.of(school),
        days=days,
        weights=[
            WEEKDAY_WEIGHT[d.weekday()] * (BEFORE_BREAK_WEIGHT if i in before_break else 1) for i, d in enumerate(days)
        ],
        bug_wave=[wave is not None and calendar.week_of(d) == wave for d in days],
        breaks=breaks,
        trips=trips,
        fixtures=fixtures,
    )


# Lengths in days of the episodes that run over whole days. Illness is about half of all absence nationally and
# unauthorised absence about a quarter; _episode_weights sets how often each kind starts.
ILLNESS_DAYS = (1, 1, 1, 1, 2, 2, 2, 3, 3, 4)
UNAUTHORISED_DAYS = (1, 1, 1, 2, 3)
SUSPENSION_DAYS = (1, 1, 2, 3)


def _episode_weights(rate: float, secondary: bool) -> list[tuple[str, float]]:
    unauthorised = 0.10 + 0.8 * min(rate, 0.5)
    kinds = [
        ("ill", 0.55),
        ("ill_pm", 0.06),
        ("medical_am", 0.12),
        ("medical_pm", 0.10),
        ("medical_day", 0.02),
        ("unauthorised", unauthorised),
        ("exceptional", 0.012),
    ]
    if secondary:
        kinds += [("unauthorised_pm", 0.02 + 0.1 * min(rate, 0.3)), ("suspension", 0.006 * (1 + 6 * rate))]
    return kinds


def _mean_days(kind: str, stretch: float) -> float:
    """Mean length of an episode in days; one-session kinds take a day and miss half of it."""
    if kind == "ill":
        return stretch * sum(ILLNESS_DAYS) / len(ILLNESS_DAYS)
    if kind == "unauthorised":
        return stretch * sum(UNAUTHORISED_DAYS) / len(UNAUTHORISED_DAYS)
    if kind == "suspension":
        return sum(SUSPENSION_DAYS) / len(SUSPENSION_DAYS)
    if kind in ("exceptional", "medical_day"):
        return 1.0
    return 0.5


Code = tuple[dt.date, str, str, int | None]  # (date, session, code, minutes late)


def register_codes(
    plan: PupilPlan,
    year: SchoolYear,
    *,
    seed: str,
    starts: dt.date,
    ends: dt.date,
    pending_from: dt.date | None = None,
) -> list[Code]:
    """The pupil's AM and PM codes for each of the school's days in [starts, ends], for one academic year.

    Absence comes in episodes (illness of a few days, an appointment for one session, unauthorised days, a
    week's holiday next to a half-term); their rate follows the pupil's propensity for the year. Absences on or
    after `pending_from` that have no reason yet are N, as they would be while the office waits to hear.
    """
    rng = random.Random(f"{seed}:{plan.upn}:{year.year}")
    profile = plan.profile
    # A pupil's year is like their others but not the same: a good year, a bad year.
    rate = min(0.92, profile.rate * rng.lognormvariate(0, 0.25))
    secondary = year.phase == School.Phase.SECONDARY
    kinds = _episode_weights(rate, secondary)
    stretch = 1 + max(0.0, rate - 0.2) * 10  # the most absent pupils are away for weeks at a time
    total = sum(w for _, w in kinds)
    # An episode takes D school days and misses A of them (A = D/2 for one session). Starting one with chance s
    # on each day in school gives an absence rate A*s / (1 - s + D*s); solve that for s.
    missed = sum(w * _mean_days(k, stretch) for k, w in kinds) / total
    spanned = sum(w * max(1.0, _mean_days(k, stretch)) for k, w in kinds) / total
    start_chance = rate / (missed + rate * (1 - spanned))
    names = [k for k, _ in kinds]
    cumulative = []
    running = 0.0
    for _, w in kinds:
        running += w / total
        cumulative.append(running)

    days = year.days
    year_group = plan.year_group_during(year.year) or ""
    fixed: dict[int, tuple[str, str]] = {}
    if rng.random() < profile.holiday_chance and year.breaks:
        end_of_term = rng.choice(year.breaks)
        length = rng.randint(5, 8)
        run = (
            range(end_of_term - length + 1, end_of_term + 1)
            if rng.random() < 0.6
            else range(end_of_term + 1, end_of_term + 1 + length)
        )
        fixed.update({i: ("G", "G") for i in run if 0 <= i < len(days)})
    if profile.festival:
        for day in FESTIVALS[profile.festival]:
            if day in days:
                fixed[days.index(day)] = ("R", "R")
    reduced = range(0)
    if profile.reduced_timetable:
        begin = rng.randrange(len(days)) if days else 0
        reduced = range(begin, begin + 30)
    trips = frozenset(year.trips.get(year_group, ()))
    work = WORK_EXPERIENCE.get(year.year) if secondary and year_group == "10" else None
    times = year.times
    # A short late window (Waterton: ten minutes) turns more late arrivals into U.
    late_u = 0.1 + 0.01 * max(0, 30 - times.late_max)

    mean_weight = sum(year.weights) / len(year.weights) if year.weights else 1.0
    weights = [w / mean_weight for w in year.weights]
    codes: list[Code] = []
    episode: list[tuple[str, str]] = []
    for i, day in enumerate(days):
        if episode:
            am, pm = episode.pop()
        elif i in fixed:
            am, pm = fixed[i]
        else:
            chance = start_chance * weights[i]
            roll = rng.random()
            if year.bug_wave[i] and roll < 0.05:
                episode = [("I", "I")] * rng.choice(ILLNESS_DAYS)
                am, pm = episode.pop()
            elif roll < chance:
                episode = _episode(rng, names[_pick(cumulative, rng.random())], stretch)
                am, pm = episode.pop()
            elif work and work[0] <= day <= work[1]:
                am, pm = "W", "W"
            elif day in trips:
                am, pm = "V", "V"
            elif profile.alternative_provision and day.weekday() in (1, 3):
                am, pm = "K", "K"
            else:
                am, pm = "/", "\\"
                if i in reduced:
                    pm = "C2"
                elif profile.team and day in year.fixtures and rng.random() < 0.4:
                    pm = "P"
                elif rng.random() < 0.002:
                    pm = "B"  # a music exam, a county trial, a school council visit
        if pending_from is not None and day >= pending_from:
            am, pm = _pending(rng, am, day, ends), _pending(rng, pm, day, ends)
        minutes = None
        if am == "/" and rng.random() < profile.lateness:
            if rng.random() < late_u:
                am, minutes = "U", rng.randint(times.unauthorised_from, times.unauthorised_from + 75)
            else:
                am, minutes = "L", rng.randint(max(1, times.late_max - 20), times.late_max)
        late_pm = pm == "\\" and rng.random() < 0.003
        # Days outside the window are still drawn, so a pupil's marks on a day never depend on the window.
        if starts <= day <= ends:
            codes.append((day, "AM", am, minutes))
            codes.append((day, "PM", "L", rng.randint(1, 15)) if late_pm else (day, "PM", pm, None))
    return codes


def _pick(cumulative: list[float], roll: float) -> int:
    for index, edge in enumerate(cumulative):
        if roll < edge:
            return index
    return len(cumulative) - 1


def _episode(rng: random.Random, kind: str, stretch: float) -> list[tuple[str, str]]:
    """The days of one absence episode as (AM, PM) pairs, last day first (they are popped off the end)."""
    if kind == "ill":
        days = max(1, round(rng.choice(ILLNESS_DAYS) * stretch * rng.uniform(0.6, 1.4)))
        return [("I", "I")] * days
    if kind == "unauthorised":
        days = max(1, round(rng.choice(UNAUTHORISED_DAYS) * stretch * rng.uniform(0.6, 1.4)))
        return [("O", "O")] * days
    if kind == "suspension":
        return [("E", "E")] * rng.choice(SUSPENSION_DAYS)
    return [
        {
            "ill_pm": ("/", "I"),  # sent home ill at lunchtime
            "medical_am": ("M", "\\"),
            "medical_day": ("M", "M"),
            "medical_pm": ("/", "M"),
            "unauthorised_pm": ("/", "O"),
            "exceptional": ("C", "C"),
        }[kind]
    ]


def _pending(rng: random.Random, code: str, day: dt.date, last: dt.date) -> str:
    """An absence with no reason yet: unexplained ones always, and illness the parents have not rung about yet."""
    if code == "O":
        return "N"
    if code == "I" and rng.random() < (0.4 if day == last else 0.15):
        return "N"
    return code


# --- writing marks -------------------------------------------------------------------------------------------

MARK_COLUMNS = (
    "trust_id",
    "school_id",
    "pupil_id",
    "date",
    "session",
    "code",
    "local_code",
    "minutes_late",
    "note",
    "source",
    "recorded_by_id",
    "recorded_at",
    "reason",
)


def copy_marks(
    rows: Iterable[tuple[int, int, int, list[Code]]],
    *,
    recorded_at: dt.datetime,
    reason: str,
    source: str = "import",
    immediate_checks: bool = True,
) -> int:
    """COPY each (trust id, school id, pupil id, codes) into registers_mark; returns how many marks were written.

    Runs on Django's connection, so it joins the caller's transaction (and a surrounding pgtrigger.ignore).
    `immediate_checks` checks the foreign keys per statement rather than at COMMIT: needed while the history
    trigger runs (see below); with the trigger ignored, deferred checks are about a third faster.
    """
    written = 0
    with connection.cursor() as cursor:
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so each row queues its checks until COMMIT, and
        # the history trigger's exception blocks make PostgreSQL rescan that queue on every row: the load would
        # slow down quadratically (121,000 marks took over 8 minutes). Checked per statement it stays linear.
        # Running this through Django's cursor also carries a surrounding pgtrigger.ignore into the transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE" if immediate_checks else "SET CONSTRAINTS ALL DEFERRED")
        with cursor.copy(f"COPY registers_mark ({', '.join(MARK_COLUMNS)}) FROM STDIN") as copy:
            for trust_id, school_id, pupil_id, codes in rows:
                for day, session, code, minutes in codes:
                    copy.write_row(
                        (
                            trust_id,
                            school_id,
                            pupil_id,
                            day,
                            session,
                            code,
                            "",
                            minutes,
                            "",
                            source,
                            None,
                            recorded_at,
                            reason,
                        )
                    )
                written += len(codes)
        # Back to Django's default for the rest of the caller's transaction.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return written


def marks_for_school(
    plans: Iterable[PupilPlan],
    years: Sequence[SchoolYear],
    *,
    seed: str,
    since: dt.date,
    until: dt.date,
    pending_days: int = 3,
) -> Iterator[tuple[int, int, int, list[Code]]]:
    """Rows for copy_marks: every pupil enrolled at the school, every school day in [since, until] they were on roll."""
    school_id = years[0].school_id
    all_days = sorted(d for y in years for d in y.days if d <= until)
    pending_from = all_days[-pending_days] if len(all_days) >= pending_days else None
    for plan in plans:
        for enrolled in plan.enrolments:
            if enrolled.school_id != school_id:
                continue
            starts = max(enrolled.starts, since)
            ends = min(enrolled.ends or until, until)
            if starts > ends:
                continue
            for year in years:
                if not year.days or year.days[0] > ends or year.days[-1] < starts:
                    continue
                codes = register_codes(plan, year, seed=seed, starts=starts, ends=ends, pending_from=pending_from)
                if codes:
                    yield year.trust_id, school_id, plan.pupil_id, codes


def group_plans_by_school(plans: Iterable[PupilPlan]) -> dict[int, list[PupilPlan]]:
    by_school: dict[int, list[PupilPlan]] = defaultdict(list)
    for plan in plans:
        for school_id in dict.fromkeys(e.school_id for e in plan.enrolments):
            by_school[school_id].append(plan)
    return by_school
