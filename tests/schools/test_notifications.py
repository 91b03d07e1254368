"""Staff notifications: the header's unread count, the list, and marking read, for the recipient alone."""

import copy
import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.models import Notification, Role
from tests.factories import UserFactory, staff

LONDON = zoneinfo.ZoneInfo("Europe/London")
PROCESSOR = "schools.context_processors.notifications"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 9, 30, tzinfo=LONDON), tick=False)


@pytest.fixture(autouse=True)
def _header_count(settings):
    """Register the header's context processor, as settings.py will."""
    settings.TEMPLATES = _templates_with(settings.TEMPLATES, PROCESSOR)


def _templates_with(templates, *processors):
    """A copy of TEMPLATES whose first engine runs exactly the standard processors and `processors`."""
    templates = copy.deepcopy(templates)
    options = templates[0]["OPTIONS"]
    options["context_processors"] = [p for p in options["context_processors"] if p != PROCESSOR] + list(processors)
    return templates


@pytest.fixture
def officer(school_a):
    return staff(school_a.trust, Role.Kind.ATTENDANCE_OFFICER, school_a, username="officer")


def _notify(recipient, school, message, minutes_ago=0, read=False, pupil=None, url="", kind="concern"):
    notification = Notification.objects.create(
        trust=school.trust,
        school=school,
        recipient=recipient,
        kind=kind,
        pupil=pupil,
        message=message,
        url=url,
    )
    created = dt.datetime(2026, 11, 23, 9, 30, tzinfo=LONDON) - dt.timedelta(minutes=minutes_ago)
    read_at = created + dt.timedelta(minutes=1) if read else None
    Notification.objects.filter(pk=notification.pk).update(created_at=created, read_at=read_at)
    return notification


def _get(client, user, url=None, **headers):
    client.force_login(user)
    return client.get(url or reverse("schools:notifications"), headers=headers)


def _messages(response):
    return [notification.message for notification, _ in response.context["rows"]]


# --- The list -------------------------------------------------------------------------------------------------------


def test_the_page_lists_only_the_users_own_notifications_newest_first(client, head, officer, school_a, pupil_a):
    _notify(head, school_a, "Concern raised about Ann Able", minutes_ago=30, pupil=pupil_a)
    _notify(head, school_a, "5A's register is missing", minutes_ago=5, read=True, kind="register_reminder")
    _notify(officer, school_a, "For the officer only")

    response = _get(client, head)

    assert response.status_code == 200
    assert _messages(response) == ["5A's register is missing", "Concern raised about Ann Able"]
    assert "For the officer only" not in response.content.decode()
    assert _messages(_get(client, officer)) == ["For the officer only"]


def test_unread_notifications_are_highlighted_and_read_ones_say_when(client, head, school_a, pupil_a):
    _notify(head, school_a, "Unread one", pupil=pupil_a)
    _notify(head, school_a, "Read one", minutes_ago=10, read=True)

    html = _get(client, head).content.decode()

    assert "1 unread of 2 notifications" in html
    unread_row = html[html.index('<tr class="row--unread">') :]
    assert unread_row.index("Unread one") < unread_row.index("</tr>")
    assert '<span class="tag tag--watch">Unread</span> Concern raised · Ann Able · Alpha Primary' in html
    assert "<strong>Unread one</strong>" in html
    assert "Read 23 Nov, 09:21" in html and "<strong>Read one</strong>" not in html


def test_each_notification_links_to_its_page_but_never_off_the_site(client, head, school_a, pupil_a):
    pupil_url = reverse("schools:pupil", args=[pupil_a.pk])
    _notify(head, school_a, "Inside", url=pupil_url)
    _notify(head, school_a, "Script", url="javascript:alert(1)")
    _notify(head, school_a, "Elsewhere", url="//evil.example/phish")

    html = _get(client, head).content.decode()

    assert f'<a href="{pupil_url}"><strong>Inside</strong></a>' in html
    assert "javascript:" not in html and "evil.example" not in html
    assert "<strong>Script</strong>" in html and "<strong>Elsewhere</strong>" in html


def test_no_notifications_says_what_will_appear_here(client, head):
    html = _get(client, head).content.decode()
    assert "No notifications yet." in html
    assert "Mark all read" not in html


def test_the_list_is_paged_newest_first(client, head, school_a):
    for n in range(51):
        _notify(head, school_a, f"Message {n:02d}", minutes_ago=n)
    first, second = _get(client, head), _get(client, head, reverse("schools:notifications") + "?page=2")
    assert _messages(first)[:2] == ["Message 00", "Message 01"] and len(_messages(first)) == 50
    assert _messages(second) == ["Message 50"]


def _page_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("schools:notifications"))
    return len(queries), len(response.context["rows"])


def test_the_page_runs_the_same_number_of_queries_for_three_or_six_notifications(client, head, school_a, pupil_a):
    client.force_login(head)
    for n in range(3):
        _notify(head, school_a, f"About Ann {n}", pupil=pupil_a, url="/schools/")
    for_three, three = _page_queries(client)
    for n in range(3):
        _notify(head, school_a, f"About Ann again {n}", pupil=pupil_a, read=True)
    for_six, six = _page_queries(client)
    assert (three, six) == (3, 6)
    assert for_three == for_six


# --- Marking read ---------------------------------------------------------------------------------------------------


def test_marking_one_read_leaves_the_others_unread_and_returns_to_the_list(client, head, school_a):
    first = _notify(head, school_a, "First")
    second = _notify(head, school_a, "Second")
    client.force_login(head)

    response = client.post(reverse("schools:notification_read"), {"notification": first.pk})

    assert response.status_code == 302 and response["Location"] == reverse("schools:notifications")
    first.refresh_from_db(), second.refresh_from_db()
    assert first.read_at == dt.datetime(2026, 11, 23, 9, 30, tzinfo=LONDON) and second.read_at is None


def test_marking_read_keeps_the_page_the_user_was_on(client, head, school_a):
    notification = _notify(head, school_a, "On page two")
    client.force_login(head)
    response = client.post(reverse("schools:notification_read"), {"notification": notification.pk, "page": "2"})
    assert response["Location"] == reverse("schools:notifications") + "?page=2"


def test_marking_a_colleagues_notification_read_is_404_and_changes_nothing(client, head, officer, school_a):
    theirs = _notify(officer, school_a, "For the officer only")
    client.force_login(head)

    response = client.post(reverse("schools:notification_read"), {"notification": theirs.pk})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_trusts_notification_is_404_and_changes_nothing(client, outsider, head, school_a):
    theirs = _notify(head, school_a, "Trust A's business")
    client.force_login(outsider)

    assert client.post(reverse("schools:notification_read"), {"notification": theirs.pk}).status_code == 404
    assert client.post(reverse("schools:notification_read"), {"notification": "not a number"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "Trust A's business" not in _get(client, outsider).content.decode()


def test_mark_all_read_marks_only_the_users_own(client, head, officer, school_a):
    mine = [_notify(head, school_a, f"Mine {n}") for n in range(3)]
    theirs = _notify(officer, school_a, "Theirs")
    client.force_login(head)

    response = client.post(reverse("schools:notifications_read_all"))

    assert response.status_code == 302
    assert Notification.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).count() == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "All read." in _get(client, head).content.decode()


def test_marking_read_with_htmx_swaps_the_list_and_the_headers_count(client, head, school_a):
    first = _notify(head, school_a, "First")
    _notify(head, school_a, "Second")
    client.force_login(head)

    response = client.post(
        reverse("schools:notification_read"), {"notification": first.pk}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()

    assert response.status_code == 200 and "<html" not in html
    assert '<section id="notification-list"' in html and "1 unread of 2 notifications" in html
    assert 'id="notifications-link"' in html and 'hx-swap-oob="true"' in html and ">Notifications (1)</a>" in html
    assert f'<span id="read-{first.pk}" tabindex="-1" class="muted">Read 23 Nov, 09:30</span>' in html


@pytest.mark.parametrize("name", ["schools:notification_read", "schools:notifications_read_all"])
def test_marking_read_takes_a_post_only(client, head, name):
    client.force_login(head)
    assert client.get(reverse(name)).status_code == 405


def test_a_signed_out_visitor_is_sent_to_sign_in(client, db):
    response = client.get(reverse("schools:notifications"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- The header's count ---------------------------------------------------------------------------------------------


def test_the_header_links_to_notifications_with_the_unread_count(client, head, officer, school_a):
    _notify(head, school_a, "One")
    _notify(head, school_a, "Two")
    _notify(head, school_a, "Old", read=True)
    _notify(officer, school_a, "Not mine")

    html = _get(client, head, reverse("schools:list")).content.decode()

    header = html[html.index('<header class="site-header">') : html.index("</header>")]
    assert (
        f'<a id="notifications-link" class="button button--quiet" href="{reverse("schools:notifications")}">'
        "Notifications (2)</a>"
    ) in header


def test_the_header_marks_the_notifications_page_as_current(client, head):
    html = _get(client, head).content.decode()
    assert (
        'id="notifications-link" class="button button--quiet" href="/schools/notifications/" aria-current="page"'
        in html
    )


def test_the_count_costs_exactly_one_query(client, head, school_a, settings):
    _notify(head, school_a, "One")
    url = reverse("schools:list")
    client.force_login(head)
    client.get(url)  # the first request of a session may set things up; count the second

    with CaptureQueriesContext(connection) as counted:
        client.get(url)
    settings.TEMPLATES = _templates_with(settings.TEMPLATES)
    with CaptureQueriesContext(connection) as uncounted:
        html = client.get(url).content.decode()

    assert len(counted) == len(uncounted) + 1
    assert ">Notifications</a>" in html, "without the count the link still shows, with no number"


def test_signed_out_visitors_and_users_with_no_trust_are_not_counted(client, db):
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("login")).content.decode()
    assert "Notifications" not in html
    assert not [q for q in queries if "schools_notification" in q["sql"]]

    client.force_login(UserFactory(username="loner"))
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("schools:list")).content.decode()
    assert "Notifications" not in html
    assert not [q for q in queries if "schools_notification" in q["sql"]]


def test_an_htmx_partial_does_not_count_notifications(client, head, pupil_a):
    client.force_login(head)
    url = reverse("schools:pupil", args=[pupil_a.pk]) + "?kind=marks"
    with CaptureQueriesContext(connection) as queries:
        client.get(url, headers={"HX-Request": "true"})
    assert not [q for q in queries if "schools_notification" in q["sql"]]
