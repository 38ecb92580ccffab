"""Fixtures for the coding tests: the REFI-QDA schemas, and the hand-written REFI-QDA variants zipped."""

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema

# tests/coding/conftest.py -> parents[2] is the repository (/work/main), parents[3] holds shared/ next to it.
SHARED = Path(__file__).resolve().parents[3] / "shared"
SCHEMAS = SHARED / "refi-qda-schema"
SAMPLES = SHARED / "refi-qda-samples"
REFI_DATA = Path(__file__).resolve().parent / "data" / "refi"


@pytest.fixture(scope="session")
def project_schema() -> xmlschema.XMLSchema:
    """Project.xsd of QDA-XML 1.0, as published by REFI."""
    return xmlschema.XMLSchema(SCHEMAS / "Project.xsd")


@pytest.fixture(scope="session")
def codebook_schema() -> xmlschema.XMLSchema:
    """Codebook.xsd of QDA-XML 1.0, as published by REFI."""
    return xmlschema.XMLSchema(SCHEMAS / "Codebook.xsd")


@pytest.fixture
def zipped(tmp_path: Path) -> Callable[[str], Path]:
    """Zip one folder of tests/coding/data/refi into a .qdpx, keeping its member names as written."""

    def zip_variant(name: str) -> Path:
        folder = REFI_DATA / name
        target = tmp_path / f"{name}.qdpx"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(folder).as_posix())
        return target

    return zip_variant
