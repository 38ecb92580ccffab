"""The tasks a job can run, registered by kind with the @task decorator."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.jobs.context import JobContext

TaskFunction = Callable[["JobContext"], None]


@dataclass(frozen=True)
class Task:
    kind: str
    function: TaskFunction
    title: str  # an English msgid, marked with N_ and translated when shown


_TASKS: dict[str, Task] = {}


def task(kind: str, title: str | None = None) -> Callable[[TaskFunction], TaskFunction]:
    """Register a function `(ctx: JobContext) -> None` as the task that runs jobs of this kind.

    Define tasks in a module the app imports at start-up (a blueprint's services, say), so the web
    server, the in-process runner and `flask jobs worker` all know them.
    """

    def register(function: TaskFunction) -> TaskFunction:
        known = _TASKS.get(kind)
        if known is not None and _qualified_name(known.function) != _qualified_name(function):
            raise ValueError(f"Two tasks for the job kind {kind!r}: {known.function} and {function}.")
        _TASKS[kind] = Task(kind, function, title or kind)
        return function

    return register


def find_task(kind: str) -> Task | None:
    return _TASKS.get(kind)


def _qualified_name(function: TaskFunction) -> str:
    return f"{function.__module__}.{function.__qualname__}"
