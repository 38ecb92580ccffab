"""Hostile REFI-QDA files are refused with a clear message before they can exhaust memory or read files."""

import io
import re
import zipfile
from pathlib import Path

import pytest

from coding.errors import CodingError, RefiError, UnsafeArchiveError
from coding.refi import ArchiveLimits, read_qdc, read_qde, read_qdpx
from tests.unsafe_zips import UNSAFE_NAMES, with_member_named

PROJECT = b'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="Prova"/>'
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE Project [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&secret;"/>"""


def _texts(count: int) -> bytes:
    """A project whose text sources are sources/0.txt, sources/1.txt, ..."""
    sources = "".join(
        f'<TextSource guid="00000004-0000-4000-8000-{i:012x}" plainTextPath="internal://{i}.txt"/>'
        for i in range(count)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="Prova">'
        f"<Sources>{sources}</Sources></Project>"
    ).encode()


def _qdpx(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("member", ["project.qde", "sources/0.txt"])
def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path, member):
    members = {"project.qde": _texts(1), "sources/0.txt": b"ciao"} | {member: bytes(20 * 1024 * 1024)}
    bomb = _qdpx(tmp_path / "bomba.qdpx", members)

    with pytest.raises(UnsafeArchiveError) as error:
        read_qdpx(bomb)

    assert re.search(
        rf"'{member}' è compresso \d{{4}} volte \(limite 100\): sembra una bomba zip", str(error.value)
    )
    assert re.search(
        rf"'{member}' is compressed \d{{4}} times \(limit 100\): it looks like a zip bomb", str(error.value)
    )


def test_media_members_are_never_inflated_so_they_are_not_refused(tmp_path):
    # A bitmap with large plain areas deflates like a bomb, but Humus skips picture sources unread.
    picture = '<PictureSource guid="00000004-0000-4000-8000-000000000001" path="internal://foto.bmp"/>'
    project = PROJECT.replace(
        b'name="Prova"/>', f'name="Prova"><Sources>{picture}</Sources></Project>'.encode()
    )
    archive = _qdpx(
        tmp_path / "foto.qdpx", {"project.qde": project, "sources/foto.bmp": bytes(20 * 1024 * 1024)}
    )

    assert len(read_qdpx(archive).skipped) == 1


def test_an_archive_with_too_many_members_is_refused(tmp_path):
    members = {"project.qde": PROJECT} | {f"sources/{i}.txt": b"ciao" for i in range(5)}
    archive = _qdpx(tmp_path / "molti.qdpx", members)

    with pytest.raises(UnsafeArchiveError, match="The archive holds 6 files, the limit is 5"):
        read_qdpx(archive, limits=ArchiveLimits(members=5))


def test_a_member_declared_larger_than_the_limit_is_refused(tmp_path):
    archive = _qdpx(tmp_path / "grande.qdpx", {"project.qde": _texts(1), "sources/0.txt": b"x" * 4096})

    with pytest.raises(UnsafeArchiveError, match="Size of 'sources/0.txt'"):
        read_qdpx(archive, limits=ArchiveLimits(member_bytes=1024))


def test_members_adding_up_past_the_limit_are_refused(tmp_path):
    members = {"project.qde": _texts(4)} | {f"sources/{i}.txt": b"x" * 1000 for i in range(4)}
    archive = _qdpx(tmp_path / "totale.qdpx", members)

    with pytest.raises(UnsafeArchiveError, match="Size of the content"):
        read_qdpx(archive, limits=ArchiveLimits(total_bytes=3000))


def test_an_archive_file_larger_than_the_limit_is_refused(tmp_path):
    archive = _qdpx(tmp_path / "pesante.qdpx", {"project.qde": PROJECT}, zipfile.ZIP_STORED)

    with pytest.raises(UnsafeArchiveError, match="Size of the archive"):
        read_qdpx(archive, limits=ArchiveLimits(archive_bytes=50))


def test_a_member_larger_than_its_declared_size_is_refused(tmp_path):
    archive = _qdpx(tmp_path / "bugiardo.qdpx", {"project.qde": PROJECT}, zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    entry = data.rfind(b"PK\x01\x02")  # central directory entry: uncompressed size at offset 24
    data[entry + 24 : entry + 28] = (20).to_bytes(4, "little")
    archive.write_bytes(bytes(data))

    with pytest.raises(RefiError, match="The .qdpx archive is damaged"):
        read_qdpx(archive)


@pytest.mark.parametrize("xml", [LAUGHS, EXTERNAL], ids=["entity expansion", "external entity"])
def test_xml_entities_are_refused(tmp_path, xml):
    archive = _qdpx(tmp_path / "entita.qdpx", {"project.qde": xml})

    with pytest.raises(RefiError) as error:
        read_qdpx(archive)

    assert str(error.value) == (
        "'project.qde' dichiara entità o riferimenti esterni XML, rifiutati per sicurezza. / "
        "'project.qde' declares XML entities or external references, refused for safety."
    )


@pytest.mark.parametrize("xml", [LAUGHS, EXTERNAL], ids=["entity expansion", "external entity"])
def test_xml_entities_are_refused_in_codebooks_and_bare_projects(xml):
    with pytest.raises(RefiError, match="refused for safety"):
        read_qdc(io.BytesIO(xml.replace(b"Project", b"CodeBook")))
    with pytest.raises(RefiError, match="refused for safety"):
        read_qde(io.BytesIO(xml))


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "finto.qdpx"
    path.write_bytes(PROJECT)

    with pytest.raises(RefiError, match="The file is not a valid .qdpx"):
        read_qdpx(path)


def test_an_archive_without_a_qde_is_refused(tmp_path):
    archive = _qdpx(tmp_path / "vuoto.qdpx", {"sources/a.txt": b"ciao"})

    with pytest.raises(RefiError, match="must hold exactly one .qde file, it holds 0"):
        read_qdpx(archive)


def test_an_archive_with_two_qde_files_is_refused_unless_one_is_project_qde(tmp_path):
    two = _qdpx(tmp_path / "due.qdpx", {"a.qde": PROJECT, "b.qde": PROJECT})
    named = _qdpx(tmp_path / "nominato.qdpx", {"backup.qde": PROJECT, "Project.qde": PROJECT})

    with pytest.raises(RefiError, match="it holds 2"):
        read_qdpx(two)
    assert read_qdpx(named).name == "Prova"


def test_malformed_xml_is_refused_with_the_parser_message(tmp_path):
    archive = _qdpx(tmp_path / "rotto.qdpx", {"project.qde": b"<Project name='x'>"})

    with pytest.raises(RefiError, match="'project.qde' is not valid XML"):
        read_qdpx(archive)


def test_a_codebook_larger_than_the_limit_is_refused():
    with pytest.raises(RefiError, match="exceeds the 1 MB limit"):
        read_qdc(io.BytesIO(b" " * (1024 * 1024 + 1)), max_bytes=1024 * 1024)


def test_codes_nested_absurdly_deep_are_refused():
    nested = b"".join(b'<Code name="c" isCodable="true">' for _ in range(100)) + b"</Code>" * 100
    codebook = b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>' + nested + b"</Codes></CodeBook>"

    with pytest.raises(RefiError, match="nested more than 64 deep"):
        read_qdc(io.BytesIO(codebook))


def test_a_file_that_is_not_a_project_is_refused(tmp_path):
    archive = _qdpx(tmp_path / "altro.qdpx", {"project.qde": b"<html><body>ciao</body></html>"})

    with pytest.raises(RefiError, match="not a REFI-QDA project \\(root element 'html'\\)"):
        read_qdpx(archive)


def test_archive_errors_are_coding_errors():
    assert issubclass(UnsafeArchiveError, RefiError)
    assert issubclass(RefiError, CodingError)


def test_the_member_count_of_a_zip64_directory_is_checked_too(tmp_path, monkeypatch):
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)  # makes zipfile write the ZIP64 end records
    archive = _qdpx(tmp_path / "zip64.qdpx", {"project.qde": PROJECT, "sources/a.txt": b"ciao"})
    data = bytearray(archive.read_bytes())
    end = data.rfind(b"PK\x05\x06")  # classic end record: say "see ZIP64" in both member counts
    data[end + 8 : end + 12] = b"\xff\xff\xff\xff"
    archive.write_bytes(bytes(data))

    assert read_qdpx(archive).name == "Prova"
    with pytest.raises(UnsafeArchiveError, match="The archive holds 2 files, the limit is 1"):
        read_qdpx(archive, limits=ArchiveLimits(members=1))


def test_macos_resource_forks_are_not_taken_for_the_project(tmp_path):
    members = {"Trial/Trial.qde": PROJECT, "__MACOSX/Trial/._Trial.qde": b"\x00\x05\x16\x07"}
    archive = _qdpx(tmp_path / "mac.qdpx", members)

    assert read_qdpx(archive).name == "Prova"


@pytest.mark.parametrize("name", UNSAFE_NAMES, ids=ascii)
def test_a_member_with_an_unsafe_name_refuses_the_whole_archive(tmp_path, name):
    valid = _qdpx(tmp_path / "valido.qdpx", {"project.qde": _texts(1), "sources/0.txt": b"ciao"}).read_bytes()
    archive = tmp_path / "percorsi.qdpx"
    archive.write_bytes(with_member_named(valid, name))

    with pytest.raises(UnsafeArchiveError) as error:
        read_qdpx(archive)

    shown = name.replace("\x00", "\\x00")
    assert str(error.value) == (
        f"Il file contiene un file interno con un nome non sicuro ('{shown}'): è rifiutato per sicurezza. / "
        f"The file holds an internal file with an unsafe name ('{shown}'): it is refused for safety."
    )


def test_an_unsafe_name_is_shown_escaped_and_cut_short(tmp_path):
    valid = _qdpx(tmp_path / "valido.qdpx", {"project.qde": PROJECT}).read_bytes()
    name = "../\u202e\x1b[31m" + "x" * 500

    with pytest.raises(UnsafeArchiveError) as error:
        read_qdpx(io.BytesIO(with_member_named(valid, name)))

    shown = re.search(r"\('(.*?)'\)", str(error.value)).group(1)
    assert shown.startswith("../\\u202e\\x1b[31mxxx") and shown.endswith("x…")
    assert len(shown) == 81


def test_names_with_dots_that_stay_inside_are_read(tmp_path):
    members = {"project.qde": _texts(1), "sources/0.txt": b"ciao", "sources/a..b.txt": b"", "..note": b""}
    archive = _qdpx(tmp_path / "punti.qdpx", members)

    assert read_qdpx(archive).name == "Prova"
