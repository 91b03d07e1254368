"""The standing cast: a head and a teacher at Trust A's school, a trust lead of Trust A, and an outsider at Trust B."""

import pytest

from schools.models import Role
from tests.factories import GroupFactory, PupilFactory, SchoolFactory, TrustFactory, staff


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_in_the_test_process(request):
    """Run Celery tasks in the test's own process, even where REDIS_URL names a real broker.

    Tests that prove behaviour with a real broker and worker carry `@pytest.mark.real_broker`.
    """
    from omega_attendance.celery import app

    if request.node.get_closest_marker("real_broker"):
        yield
        return
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def trust_a(db):
    return TrustFactory(slug="trust-a", name="Trust A")


@pytest.fixture
def trust_b(db):
    return TrustFactory(slug="trust-b", name="Trust B", policy="waterton")


@pytest.fixture
def school_a(trust_a):
    return SchoolFactory(trust=trust_a, name="Alpha Primary", urn="100001")


@pytest.fixture
def school_b(trust_b):
    return SchoolFactory(trust=trust_b, name="Beta Academy", urn="200001")


@pytest.fixture
def group_a(school_a):
    return GroupFactory(school=school_a, name="5A", year_group="5")


@pytest.fixture
def pupil_a(school_a, group_a):
    return PupilFactory(school=school_a, group=group_a, upn="A100000000001", legal_surname="Able", legal_forename="Ann")


@pytest.fixture
def pupil_b(school_b):
    return PupilFactory(school=school_b, upn="B200000000001", legal_surname="Baker", legal_forename="Ben")


@pytest.fixture
def head(school_a):
    return staff(school_a.trust, Role.Kind.HEADTEACHER, school_a, username="head")


@pytest.fixture
def lead(trust_a):
    return staff(trust_a, Role.Kind.TRUST_LEAD, username="lead")


@pytest.fixture
def teacher(school_a, group_a):
    user = staff(school_a.trust, Role.Kind.TEACHER, school_a, username="teacher")
    group_a.tutors.add(user)
    return user


@pytest.fixture
def outsider(school_b):
    return staff(school_b.trust, Role.Kind.HEADTEACHER, school_b, username="outsider")
