"""The standing cast: a head and a teacher at Trust A's school, a trust lead of Trust A, and an outsider at Trust B."""

import os
from pathlib import Path

import pytest

from schools.models import Role
from tests.factories import GroupFactory, PupilFactory, SchoolFactory, TrustFactory, staff
from tests.signing_in import Client


@pytest.fixture
def client():
    """Django's test client, whose force_login also gives the second factor where the user has one."""
    return Client()


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


# --- Headless Debian Chromium, driven by Playwright's sync API against pytest-django's live server -------------------
# Defined once here, so every test module that drives a browser shares one session-wide Playwright.
# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse ORM calls from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh tablet-sized page (1024 x 768) with its own cookies. A page that breaks the Content Security Policy
    fails its test: the browser reports each refusal on the console."""
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="en-GB")
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    # Generous waits: CI's two cores may be busy, and a slow answer is not a failure of the page.
    page.set_default_timeout(30_000)
    yield page
    context.close()
    assert refused == [], f"the Content Security Policy refused: {refused}"


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot to test-artifacts/<name>.png (the folder is gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
