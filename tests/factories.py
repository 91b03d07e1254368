"""One factory per model. A pupil's trust defaults to its school's."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import REQUIRED_FOR
from registers.models import Mark
from schools.models import (
    Contact,
    Enrolment,
    HalfTerm,
    Membership,
    Pupil,
    PupilContact,
    RegistrationGroup,
    Role,
    School,
    Trust,
)


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"trust-{n}")
    name = factory.Sequence(lambda n: f"Trust {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    trust = factory.SubFactory(TrustFactory)
    urn = factory.Sequence(lambda n: f"{900000 + n}")
    name = factory.Sequence(lambda n: f"School {n}")
    phase = School.Phase.PRIMARY


class HalfTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HalfTerm

    school = factory.SubFactory(SchoolFactory)
    trust = factory.SelfAttribute("school.trust")
    name = "Autumn 1"
    starts = dt.date(2026, 9, 2)
    ends = dt.date(2026, 10, 23)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegistrationGroup

    school = factory.SubFactory(SchoolFactory)
    trust = factory.SelfAttribute("school.trust")
    name = factory.Sequence(lambda n: f"{n % 7 + 1}{'ABCD'[n % 4]}{n}")
    year_group = "5"


class PupilFactory(factory.django.DjangoModelFactory):
    """A pupil enrolled at `school` from 1 September 2026 (pass enrolled=False for none)."""

    class Meta:
        model = Pupil
        exclude = ("school",)
        skip_postgeneration_save = True

    class Params:
        enrolled = True

    school = factory.SubFactory(SchoolFactory)
    trust = factory.SelfAttribute("school.trust")
    upn = factory.Sequence(lambda n: f"A{n:012d}")
    legal_surname = factory.Faker("last_name", locale="en_GB")
    legal_forename = factory.Faker("first_name", locale="en_GB")
    date_of_birth = dt.date(2016, 3, 1)
    gender = Pupil.Gender.FEMALE
    year_group = "5"
    enrolment = factory.Maybe(
        "enrolled",
        yes_declaration=factory.RelatedFactory(
            "tests.factories.EnrolmentFactory", factory_related_name="pupil", school=factory.SelfAttribute("..school")
        ),
        no_declaration=None,
    )


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    pupil = factory.SubFactory(PupilFactory, enrolled=False)
    school = factory.SubFactory(SchoolFactory)
    trust = factory.SelfAttribute("school.trust")
    starts = dt.date(2026, 9, 1)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    trust = factory.SubFactory(TrustFactory)
    name = factory.Faker("name", locale="en_GB")
    phone = "07700 900123"
    email = factory.Sequence(lambda n: f"parent{n}@example.org")
    address = "1 High Street\nTownley"
    postcode = "TW1 1AA"


class PupilContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PupilContact

    pupil = factory.SubFactory(PupilFactory)
    trust = factory.SelfAttribute("pupil.trust")
    contact = factory.SubFactory(ContactFactory, trust=factory.SelfAttribute("..pupil.trust"))
    relationship = "Mother"


class MarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mark

    school = factory.SubFactory(SchoolFactory)
    trust = factory.SelfAttribute("school.trust")
    pupil = factory.SubFactory(PupilFactory, school=factory.SelfAttribute("..school"))
    date = dt.date(2026, 9, 7)
    session = Mark.Session.AM
    code = "/"
    source = Mark.Source.REGISTER
    recorded_at = factory.LazyFunction(timezone.now)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery")


def staff(trust: Trust, kind: str, school: School | None = None, username: str | None = None):
    """A user of `trust` holding one role (trust-wide for a trust lead, else at `school`), with an authenticator app
    set up where the role requires one."""
    user = UserFactory(**({"username": username} if username else {}))
    Membership.objects.get_or_create(user=user, defaults={"trust": trust})
    Role.objects.create(trust=trust, user=user, kind=kind, school=None if kind == Role.Kind.TRUST_LEAD else school)
    if kind in REQUIRED_FOR:
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user
