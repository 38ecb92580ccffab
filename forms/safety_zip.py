"""Check an .xlsx as a zip: its directory as declared, then every member inflated through a bounded reader."""

import io
import struct
import zlib
from collections.abc import Iterator
from zipfile import ZIP_DEFLATED, ZIP_STORED, BadZipFile, ZipFile, ZipInfo

from forms.safety_limits import Limits, megabytes, refuse
from forms.safety_xml import Tally, screen_part
from forms.zip_names import is_unsafe_member_name, shown_member_name

_END_RECORD = struct.Struct("<4s4H2LH")  # the zip "end of central directory" record
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_MAX_DIRECTORY_ENTRY = 1024  # bytes per central-directory entry we are willing to read
_CHUNK = 64 * 1024
_REQUIRED_PARTS = ("[content_types].xml", "xl/workbook.xml")


def check_directory(data: bytes, limits: Limits) -> list[ZipInfo]:
    """Check the member count, names, declared sizes and the parts a workbook needs; return the members."""
    _check_end_record(data, limits)
    try:
        infos = ZipFile(io.BytesIO(data)).infolist()
    except (BadZipFile, ValueError, struct.error, NotImplementedError) as err:
        raise refuse("zip_corrupt", detail=str(err)) from err
    _check_entries(infos, limits)
    _check_excel_parts({info.filename.lower() for info in infos})
    return infos


def _check_end_record(data: bytes, limits: Limits) -> None:
    # Read the member count from the end record before zipfile builds one object per directory entry.
    start = data.rfind(b"PK\x05\x06", max(0, len(data) - _END_RECORD.size - 0xFFFF))
    if start < 0 or start + _END_RECORD.size > len(data):
        raise refuse("zip_corrupt", detail="no zip directory")
    *_, count, directory_size, directory_offset, _comment = _END_RECORD.unpack_from(data, start)
    if count == 0xFFFF or 0xFFFFFFFF in (directory_size, directory_offset):
        raise refuse("zip_corrupt", detail="ZIP64 archives are not accepted")
    if count > limits.zip_members:
        raise refuse("zip_too_many_members", count=count, limit=limits.zip_members)
    if directory_size > limits.zip_members * _MAX_DIRECTORY_ENTRY:
        raise refuse("zip_corrupt", detail="oversized zip directory")


def _check_entries(infos: list[ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.zip_members:
        raise refuse("zip_too_many_members", count=len(infos), limit=limits.zip_members)
    seen: set[str] = set()
    for info in infos:
        _check_name(info.orig_filename, seen)  # zipfile cuts `filename` at a NUL byte
        _check_declared_size(info, limits)
    total = sum(info.file_size for info in infos)
    if total > limits.total_bytes:
        raise refuse("zip_total_too_large", size_mb=megabytes(total), limit_mb=megabytes(limits.total_bytes))


def _check_name(name: str, seen: set[str]) -> None:
    if is_unsafe_member_name(name):
        raise refuse("zip_unsafe_name", name=shown_member_name(name))
    if name.lower() in seen:  # part names are case-insensitive in Office files
        raise refuse("zip_duplicate_name", name=shown_member_name(name))
    seen.add(name.lower())


def _check_declared_size(info: ZipInfo, limits: Limits) -> None:
    name, size = info.filename, info.file_size
    if size > limits.member_bytes:
        raise refuse(
            "zip_member_too_large",
            name=shown_member_name(name),
            size_mb=megabytes(size),
            limit_mb=megabytes(limits.member_bytes),
        )
    ratio = size // max(info.compress_size, 1)
    if size >= limits.ratio_min_bytes and ratio > limits.compression_ratio:
        raise refuse("zip_ratio", name=shown_member_name(name), ratio=ratio, limit=limits.compression_ratio)
    if info.flag_bits & 0x1:
        raise refuse("zip_corrupt", detail=f"'{shown_member_name(name)}' is encrypted")
    if info.compress_type not in (ZIP_STORED, ZIP_DEFLATED):
        raise refuse("zip_corrupt", detail=f"'{shown_member_name(name)}' needs an unsupported zip feature")


def _check_excel_parts(names: set[str]) -> None:
    missing = [part for part in _REQUIRED_PARTS if part not in names]
    if not missing:
        return
    if {"mimetype", "content.xml"} <= names:
        raise refuse("disguised_ods")
    raise refuse(
        "disguised_zip", extension=".xlsx", missing=missing[0].replace("[content_types]", "[Content_Types]")
    )


def check_members(data: memoryview, infos: list[ZipInfo], limits: Limits) -> Tally:
    """Inflate every member once through a bounded reader: real sizes, CRCs, no overlaps, no DTDs, tallies."""
    end_of_previous, tally = 0, Tally(limits)
    for info in sorted(infos, key=lambda info: info.header_offset):
        if info.header_offset < end_of_previous:  # overlapping members are how quines and bombs share data
            detail = f"'{shown_member_name(info.filename)}' overlaps another member"
            raise refuse("zip_corrupt", detail=detail)
        begin, end_of_previous = _member_span(data, info)
        chunks = screen_part(info.filename, _inflate(data[begin:end_of_previous], info), tally)
        for _rest in chunks:  # drain, so sizes, CRC and tallies are checked to the end
            pass
    return tally


def _member_span(data: memoryview, info: ZipInfo) -> tuple[int, int]:
    start = info.header_offset
    if start + _LOCAL_HEADER.size > len(data):
        raise refuse("zip_corrupt", detail=f"'{shown_member_name(info.filename)}' lies outside the file")
    fields = _LOCAL_HEADER.unpack_from(data, start)
    begin = start + _LOCAL_HEADER.size + fields[10] + fields[11]
    if fields[0] != b"PK\x03\x04" or begin + info.compress_size > len(data):
        raise refuse("zip_corrupt", detail=f"'{shown_member_name(info.filename)}' has a damaged header")
    return begin, begin + info.compress_size


def _inflate(raw: memoryview, info: ZipInfo) -> Iterator[bytes]:
    """Yield a member's bytes in bounded chunks, refusing a stream that outgrows its declared size."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == ZIP_DEFLATED else None
    produced, crc = 0, 0
    for offset in range(0, len(raw), _CHUNK):
        for chunk in _inflate_piece(inflater, raw[offset : offset + _CHUNK], info.filename):
            produced += len(chunk)
            if produced > info.file_size:
                raise refuse("zip_size_mismatch", name=shown_member_name(info.filename))
            crc = zlib.crc32(chunk, crc)
            yield chunk
    if produced < info.file_size or (inflater is not None and not inflater.eof):
        raise refuse("zip_corrupt", detail=f"'{shown_member_name(info.filename)}' is cut short")
    if crc != info.CRC:
        raise refuse("zip_corrupt", detail=f"'{shown_member_name(info.filename)}' fails its checksum")


def _inflate_piece(inflater: "zlib._Decompress | None", piece: memoryview, name: str) -> Iterator[bytes]:
    if inflater is None:
        yield bytes(piece)
        return
    pending: bytes | memoryview = piece
    try:
        while pending and not inflater.eof:
            chunk = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            if chunk:
                yield chunk
    except zlib.error as err:
        raise refuse("zip_corrupt", detail=f"'{shown_member_name(name)}': {err}") from err
