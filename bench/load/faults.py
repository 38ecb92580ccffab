"""Faults the suite injects: a small filesystem to fill (F2), and SIGKILL of gunicorn workers (F3).

F1 (the database stopped) is Cluster.stop()/start() in postgres.py. Every fault is undone by the context
manager that made it, however the scenario ends: the filler is deleted and the filesystem unmounted.
"""

import contextlib
import errno
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

CHUNK = b"\0" * (1 << 20)


def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextlib.contextmanager
def small_filesystem(size_mb: int) -> Iterator[Path]:
    """A tmpfs of `size_mb` MB mounted on a new temporary folder (root only); unmounted and removed after."""
    path = Path(tempfile.mkdtemp(prefix="humus-load-disk-"))
    try:
        subprocess.run(  # noqa: S603 - fixed command
            ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", str(path)],  # noqa: S607
            check=True,
            capture_output=True,
        )
        try:
            yield path
        finally:
            unmount = subprocess.run(["umount", str(path)], capture_output=True, check=False)  # noqa: S603, S607
            if unmount.returncode != 0:  # still busy: detach it now, the kernel frees it when unused
                subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)  # noqa: S603, S607
    finally:
        with contextlib.suppress(OSError):
            path.rmdir()


def fill(folder: Path) -> tuple[Path, int]:
    """Write zeros into a new file in `folder` until the filesystem refuses: (the filler, bytes written)."""
    filler = folder / "filler.bin"
    written = 0
    with open(filler, "wb", buffering=0) as out:
        while True:
            try:
                written += out.write(CHUNK)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                break
        # Whatever is left is smaller than a chunk: take it too, a page at a time.
        with contextlib.suppress(OSError):
            while True:
                written += out.write(CHUNK[:4096])
    return filler, written


def free_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn workers: the master's children, read from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis.
        if int(stat.rsplit(")", 1)[1].split()[1]) == master_pid:
            children.append(int(entry.name))
    return sorted(children)


class WorkerKiller:
    """Every `interval_s`, SIGKILL one gunicorn worker chosen at random, until stopped; records each kill."""

    def __init__(self, master_pid: int, interval_s: float) -> None:
        self.master_pid, self.interval_s = master_pid, interval_s
        self.kills: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="worker-killer", daemon=True)

    def __enter__(self) -> "WorkerKiller":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            workers = worker_pids(self.master_pid)
            if not workers:
                continue
            victim = random.choice(workers)  # noqa: S311 - which worker, not a secret
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
                self.kills.append((time.time(), victim))
