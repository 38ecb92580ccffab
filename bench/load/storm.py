"""The duplicate storm: `copies` identical posts of each instanceID released at the same instant.

Not locust: what matters here is that the copies race, so `copies` threads (one keep-alive connection each)
meet at a barrier before every instanceID and post it together; locust paces users, it does not line them up.
The answers go into the same Request records as locust's log, so the figures and checks are the same.
"""

import http.client
import json
import threading
import time
import uuid

from bench.common import monitoring_answers
from bench.load.figures import Request
from bench.load.seeding import Seeded

TIMEOUT_S = 30.0


def run(port: int, seeded: Seeded, instance_ids: int, copies: int) -> list[Request]:
    """Post each of `instance_ids` new reports `copies` times at once; every answer, in order of arrival."""
    bodies = [
        json.dumps({"instanceID": f"uuid:{uuid.uuid4()}", "data": monitoring_answers()})
        for _ in range(instance_ids)
    ]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {seeded.token}"}
    path = f"/api/v1/forms/{seeded.form_id}/submissions"
    barrier = threading.Barrier(copies, timeout=120)
    requests: list[Request] = []
    lock = threading.Lock()

    def poster() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
        try:
            for body in bodies:
                barrier.wait()
                request = _post(connection, path, body, headers)
                with lock:
                    requests.append(request)
        finally:
            connection.close()

    threads = [threading.Thread(target=poster, name=f"storm-{n}", daemon=True) for n in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return requests


def _post(connection: http.client.HTTPConnection, path: str, body: str, headers: dict[str, str]) -> Request:
    instance_id = json.loads(body)["instanceID"]
    started, clock = time.time(), time.perf_counter()
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read()
        status, retry_after = response.status, response.getheader("Retry-After") or ""
    except (http.client.HTTPException, OSError):
        connection.close()  # reopened by the next request
        status, retry_after = 0, ""
    return Request(started, (time.perf_counter() - clock) * 1000, "api", status, instance_id, 0, retry_after)
