"""The users of bench/load.py, run by locust in a process of their own (locust patches the standard library).

    python bench/load_users.py PLAN.json RESULTS.json

PLAN.json comes from bench/load.py. Teachers sign in, open their morning register and mark every pupil as the page
does: one htmx post per pupil (the keyboard), the absentees one by one then "Mark all unmarked present", or the
whole form at once (the page without JavaScript). Officers and headteachers sign in and open their pages at a steady
rate until the teachers are done. Every request is timed; RESULTS.json holds each one as (name, ms, seconds from the
start, error or null), the teachers' finishing times and anything that crashed a user.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, constant, events, task
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import intended_code  # noqa: E402

PLAN = json.loads(Path(sys.argv[1]).read_text()) if __name__ == "__main__" else {}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
ROW = re.compile(r'<li id="row-(\d+)" data-row')
GRACE = 120  # seconds past the window before the run is called off

started = time.monotonic()
requests: list[tuple[str, float, float, str | None]] = []
teachers_done: list[tuple[str, float]] = []  # (username, seconds from the start) once the register is saved
crashes: list[str] = []


def since_start() -> float:
    return time.monotonic() - started


@events.request.add_listener
def record(name, response_time, exception, **kwargs) -> None:
    error = None if exception is None else f"{type(exception).__name__}: {str(exception)[:300]}"
    requests.append((name, response_time, since_start(), error))


def status(response) -> str:
    """The status code, or what went wrong when there was none (a timeout, a refused connection)."""
    error = getattr(response, "error", None)
    return f"{type(error).__name__}: {error}" if not response.status_code and error else str(response.status_code)


class StaffUser(FastHttpUser):
    """A member of staff with a browser: signs in once, keeps the session cookie."""

    abstract = True
    wait_time = constant(0)
    network_timeout = 60.0

    def sign_in(self, username: str) -> bool:
        with self.client.get("/login/", name="sign-in page", catch_response=True) as page:
            token = CSRF_INPUT.search(page.text or "")
            if page.status_code != 200 or not token:
                page.failure(f"{username}: no sign-in form ({status(page)})")
                return False
        form = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": PLAN["password"]}
        with self.client.post(
            "/login/", data=urlencode(form), headers=FORM, name="sign in", allow_redirects=False, catch_response=True
        ) as signed:
            # Anything but the way to the home page (a second factor, a lockout, the form again) is a failure here.
            if signed.status_code != 302 or signed.headers.get("Location") != "/":
                signed.failure(f"{username}: sign-in gave {status(signed)} {signed.headers.get('Location')}")
                return False
        return self.page("/", "home")

    def page(self, url: str, name: str, expect: str = "") -> bool:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200 or expect not in (response.text or ""):
                response.failure(f"{url}: {status(response)}")
                return False
        return True

    def idle(self) -> None:
        while True:
            gevent.sleep(3600)


class Teacher(StaffUser):
    plans: list[dict] = []

    @task
    def take_register(self) -> None:
        plan = Teacher.plans.pop()
        gevent.sleep(max(0.0, plan["start"] - since_start()))
        try:
            if self.sign_in(plan["username"]) and self.page("/registers/take/", "my registers"):
                self.mark_everyone(plan)
        except Exception as e:  # noqa: BLE001 - the run goes on, and the report lists it
            crashes.append(f"{plan['username']}: {type(e).__name__}: {e}")
        self.idle()

    def think(self, low: float, high: float) -> None:
        gevent.sleep(random.uniform(low, high) * PLAN["pace"])

    def mark_everyone(self, plan: dict) -> None:
        with self.client.get(plan["url"], name="register page", catch_response=True) as page:
            text = page.text or ""
            pupils = [int(pk) for pk in ROW.findall(text)]
            header = CSRF_HEADER.search(text)
            if page.status_code != 200 or len(pupils) != plan["pupils"] or not header:
                page.failure(f"{plan['url']}: {status(page)}, {len(pupils)} rows for {plan['pupils']} pupils")
                return
        self.csrf, self.register = header.group(1), plan["url"]
        self.think(2, 5)  # finding the first pupil
        saved = getattr(self, f"by_{plan['style']}")(pupils)
        if saved:
            teachers_done.append((plan["username"], since_start()))

    def by_keys(self, pupils: list[int]) -> bool:
        """A key press for every pupil: each one posts that pupil's row."""
        for pk in pupils:
            self.think(0.8, 1.6)
            if not self.post_row(pk):
                return False
        return True

    def by_absent_then_all(self, pupils: list[int]) -> bool:
        """The absentees and latecomers first, then "Mark all unmarked present"."""
        for pk in pupils:
            if intended_code(pk)[0] != "/":
                self.think(2, 4)
                if not self.post_row(pk):
                    return False
        self.think(1, 3)
        with self.client.post(
            f"{self.register}all-present/",
            headers=self.htmx("register"),
            name="all present (htmx)",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or "register__count--done" not in (response.text or ""):
                response.failure(f"{self.register}all-present/: {status(response)}, not every pupil marked")
                return False
        return True

    def by_form(self, pupils: list[int]) -> bool:
        """The page without JavaScript: every row's menu set, then "Save register"."""
        self.think(0.6 * len(pupils), 1.2 * len(pupils))
        form = {"csrfmiddlewaretoken": self.csrf, "reason": ""}
        for pk in pupils:
            code, minutes = intended_code(pk)
            form |= {f"p{pk}-code": code, f"p{pk}-minutes_late": minutes or "", f"p{pk}-note": "", f"p{pk}-reason": ""}
        with self.client.post(
            self.register,
            data=urlencode(form),
            headers=FORM,
            name="whole register",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{self.register}: {status(response)}, not saved")
                return False
        return self.page(self.register, "register page", "register__count--done")

    def htmx(self, target: str) -> dict:
        return {
            **FORM,
            "HX-Request": "true",
            "HX-Target": target,
            "HX-Current-URL": f"{PLAN['host']}{self.register}",
            "X-CSRFToken": self.csrf,
        }

    def post_row(self, pk: int) -> bool:
        code, minutes = intended_code(pk)
        prefix = f"p{pk}"
        row = {
            f"{prefix}-code": code,
            f"{prefix}-minutes_late": minutes or "",
            f"{prefix}-note": "",
            f"{prefix}-reason": "",
        }
        with self.client.post(
            f"{self.register}pupils/{pk}/",
            data=urlencode(row),
            headers=self.htmx(f"row-{pk}"),
            name="one pupil (htmx)",
            catch_response=True,
        ) as response:
            saved = f'<li id="row-{pk}" data-row data-code="{code}"'
            if response.status_code != 200 or saved not in (response.text or ""):
                response.failure(f"pupil {pk}: {status(response)}, the row did not come back with {code}")
                return False
        return True


class Reader(StaffUser):
    """An attendance officer or headteacher with their pages open, refreshing one every so often."""

    plans: list[dict] = []

    @task
    def read(self) -> None:
        plan = Reader.plans.pop()
        gevent.sleep(random.uniform(0, 30))
        try:
            if not self.sign_in(plan["username"]):
                self.idle()
            pages = [tuple(p) for p in plan["pages"]]
            for n in range(1_000_000):
                name, url = pages[n % len(pages)] if n % 4 != 3 else random.choice(plan["pupils"])
                self.page(url, name)
                gevent.sleep(random.uniform(*plan["every"]))
        except Exception as e:  # noqa: BLE001 - the run goes on, and the report lists it
            crashes.append(f"{plan['username']}: {type(e).__name__}: {e}")
        self.idle()


def main() -> None:
    global started
    Teacher.plans, Reader.plans = list(PLAN["teachers"]), list(PLAN["readers"])
    Teacher.fixed_count, Reader.fixed_count = len(Teacher.plans), len(Reader.plans)
    users = Teacher.fixed_count + Reader.fixed_count
    env = Environment(user_classes=[Teacher, Reader], host=PLAN["host"], events=events)
    runner = env.create_local_runner()
    started = time.monotonic()
    wall_started = time.time()
    runner.start(users, spawn_rate=users)
    deadline = PLAN["window"] + GRACE
    while len(teachers_done) < Teacher.fixed_count and since_start() < deadline:
        gevent.sleep(1)
        if int(since_start()) % 60 == 0:
            print(
                f"  {since_start():.0f} s: {len(teachers_done)} registers taken, {len(requests)} requests", flush=True
            )
    ended = since_start()
    runner.quit()
    results = {
        "started": 0.0,
        "ended": ended,
        "wall_started": wall_started,
        "requests": requests,
        "teachers_done": teachers_done,
        "crashes": crashes,
    }
    Path(sys.argv[2]).write_text(json.dumps(results))


if __name__ == "__main__":
    main()
