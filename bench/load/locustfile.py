"""The users of the load suite, for locust (headless, started by bench/load/loadgen.py; never by the app).

Everything a run needs comes in a JSON file named by HUMUS_LOAD_CONFIG: the form, the tokens and credentials,
the answers, and the path of the request log; the user class is named on locust's command line. Each
request is written to that log (start time, milliseconds, kind, status, instanceID, attempt, Retry-After),
and the suite computes every figure from it, so locust's own statistics are only a cross-check.

- Submitter (L1, F1-F3): each user posts one new monitoring report a second to the JSON API
  (constant_throughput(1): 50 users make 50 submissions/s while answers take under a second).
- Operator (L2): each user signs in through the login form, then every 1-5 s (the think time of locust's own
  documentation: about 15 requests/s from 50 users) does one of: read the submissions table, the statistics
  page, the case list or the form's page; post a report to the JSON API; or send one from "ODK Collect"
  (OpenRosa multipart, HTTP Basic on every request as Collect does).

A submission that is not acknowledged (no answer, or a status other than 200/201) is sent again with the
SAME instanceID and content after min(Retry-After, 1 s), until it is acknowledged or the run's retry deadline
passes: a retry must never make a duplicate. 4xx answers other than 408/429 are final.
"""

import base64
import json
import os
import random
import re
import time
import uuid
from typing import Any

import gevent
from locust import between, constant_throughput, events, task
from locust.contrib.fasthttp import FastHttpUser

CONFIG: dict[str, Any] = json.loads(open(os.environ["HUMUS_LOAD_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
LOG = open(CONFIG["log"], "a", encoding="utf-8", buffering=1 << 16)  # noqa: SIM115 - closed on quitting
ACKNOWLEDGED = {"api": (200, 201), "openrosa": (201, 202)}
FINAL = {400, 401, 403, 404, 405, 409, 413, 422}
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RETRY_CAP_S = 1.0
BOUNDARY = "humus-load-boundary"


def log(
    started: float,
    elapsed_s: float,
    kind: str,
    status: int,
    instance_id: str = "",
    attempt: int = 0,
    retry_after: str = "",
) -> None:
    LOG.write(f"{started:.4f},{elapsed_s * 1000:.2f},{kind},{status},{instance_id},{attempt},{retry_after}\n")


@events.quitting.add_listener
def _close_log(**_kwargs: Any) -> None:
    LOG.flush()
    LOG.close()


class Humus(FastHttpUser):
    """What every user shares: timed requests into the log, and submissions retried until acknowledged."""

    abstract = True
    network_timeout = 30.0
    connection_timeout = 10.0

    def timed(
        self, kind: str, method: str, path: str, instance_id: str = "", attempt: int = 0, **kwargs: Any
    ):
        started, clock = time.time(), time.perf_counter()
        with self.client.request(method, path, name=kind, catch_response=True, **kwargs) as response:
            elapsed = time.perf_counter() - clock
            status = response.status_code or 0
            if 200 <= status < 400:
                response.success()
            else:
                response.failure(f"status {status}")
        retry_after = (response.headers or {}).get("Retry-After", "") if status else ""
        log(started, elapsed, kind, status, instance_id, attempt, retry_after.replace(",", " "))
        return response, status

    def submit_until_acknowledged(
        self, kind: str, method: str, path: str, instance_id: str, **kwargs: Any
    ) -> None:
        attempt = 0
        while True:
            response, status = self.timed(kind, method, path, instance_id, attempt, **kwargs)
            if status in ACKNOWLEDGED[kind] or status in FINAL or time.time() > CONFIG["retry_until"]:
                return
            attempt += 1
            gevent.sleep(_retry_delay(response))

    def api_submission(self) -> None:
        instance_id = f"uuid:{uuid.uuid4()}"
        body = json.dumps({"instanceID": instance_id, "data": CONFIG["answers"]})
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {CONFIG['token']}"}
        path = f"/api/v1/forms/{CONFIG['form_id']}/submissions"
        self.submit_until_acknowledged("api", "POST", path, instance_id, data=body, headers=headers)


class Submitter(Humus):
    """L1 and the faults: one new submission a second through the JSON API."""

    wait_time = constant_throughput(1)

    @task
    def submit(self) -> None:
        self.api_submission()


class Operator(Humus):
    """L2: an operator signed in to the web pages, who also files reports by the API and by ODK Collect."""

    wait_time = between(1, 5)

    def on_start(self) -> None:
        started, clock = time.time(), time.perf_counter()
        page = self.client.get("/login", name="login")
        token = CSRF.search(page.text or "")
        fields = {
            "email": CONFIG["web_email"],
            "password": CONFIG["web_password"],
            "csrf_token": token and token[1],
        }
        answer = self.client.post("/login", data=fields, name="login", allow_redirects=False)
        log(started, time.perf_counter() - clock, "login", answer.status_code or 0)

    @task(3)
    def submissions_table(self) -> None:
        self.timed("table", "GET", f"/forms/{CONFIG['form_id']}/submissions")

    @task(2)
    def statistics(self) -> None:
        self.timed("statistics", "GET", "/statistics/")

    @task(1)
    def cases(self) -> None:
        self.timed("cases", "GET", "/cases/")

    @task(1)
    def form_page(self) -> None:
        self.timed("form", "GET", f"/forms/{CONFIG['form_id']}")

    @task(3)
    def submit_by_api(self) -> None:
        self.api_submission()

    @task(1)
    def submit_by_collect(self) -> None:
        instance_id = f"uuid:{uuid.uuid4()}"
        xml = CONFIG["xml_template"].replace(CONFIG["xml_instance_id"], instance_id)
        credentials = f"{CONFIG['device_username']}:{CONFIG['device_password']}".encode()
        headers = {
            "X-OpenRosa-Version": "1.0",
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        }
        self.submit_until_acknowledged(
            "openrosa", "POST", "/submission", instance_id, data=_multipart(xml), headers=headers
        )


def _retry_delay(response: Any) -> float:
    """Retry-After, capped at a second (the suite measures recovery, not patience), with a little jitter."""
    try:
        wanted = float(response.headers.get("Retry-After") or RETRY_CAP_S)
    except (TypeError, ValueError, AttributeError):
        wanted = RETRY_CAP_S
    return min(wanted, RETRY_CAP_S) * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not secrecy


def _multipart(xml: str) -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="xml_submission_file"; filename="submission.xml"\r\n'
        "Content-Type: text/xml\r\n\r\n"
        f"{xml}\r\n--{BOUNDARY}--\r\n"
    ).encode()
