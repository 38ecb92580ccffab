"""Start locust headless in its own process, so its gevent patching never reaches the suite's own threads.

The suite starts a run, injects its faults while the run goes on, then waits for it: locust stops by itself
after `-t`, and is killed if it overstays by a minute. Users of a run are spawned at `spawn_rate` per second.
"""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
LOCUST = str(Path(sys.executable).parent / "locust")
STOP_TIMEOUT_S = 15  # a user still retrying when the time is up gets this long to be acknowledged
OVERSTAY_S = 60


@dataclass
class Run:
    """A locust run under way: its process, its request log and when it began (epoch seconds)."""

    process: subprocess.Popen
    log: Path
    started: float
    duration_s: float

    def wait(self) -> Path:
        try:
            self.process.wait(timeout=self.duration_s + STOP_TIMEOUT_S + OVERSTAY_S)
        except subprocess.TimeoutExpired:
            self.stop()
        return self.log

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start(
    user_class: str,
    port: int,
    config: dict[str, Any],
    folder: Path,
    name: str,
    users: int,
    spawn_rate: float,
    duration_s: float,
) -> Run:
    """Start `users` users of `user_class` against 127.0.0.1:port for `duration_s` seconds."""
    log = folder / f"{name}-requests.csv"
    log.write_text("")
    config_path = folder / f"{name}-config.json"
    started = time.time()
    # Retries of an unacknowledged submission go on a little past the end, inside locust's stop timeout.
    config = {**config, "log": str(log), "retry_until": started + duration_s + STOP_TIMEOUT_S - 5}
    config_path.write_text(json.dumps(config))
    command = [
        LOCUST, "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", str(spawn_rate),
        "-t", f"{int(duration_s)}s", "--host", f"http://127.0.0.1:{port}", "--csv", str(folder / name),
        "--only-summary", "--stop-timeout", str(STOP_TIMEOUT_S), "--exit-code-on-error", "0",
        "--loglevel", "WARNING", user_class,
    ]  # fmt: skip
    env = {**os.environ, "HUMUS_LOAD_CONFIG": str(config_path)}
    with open(folder / f"{name}-locust.log", "wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    return Run(process, log, started, duration_s)
