"""Fixtures shared by the app tests beyond those of tests/conftest.py."""

from tests.app.cases_support import casework  # noqa: F401 - a fixture
from tests.app.transcripts_support import workbench  # noqa: F401 - a fixture
