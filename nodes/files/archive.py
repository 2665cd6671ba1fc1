"""Zip and gzip, packed in memory, unpacked with limits (the zip-bomb guard).

Unpacking counts the bytes it actually inflates, not the sizes an archive declares, and stops as
soon as the total passes `Limits.max_bytes` or the archive lists more than `Limits.max_entries`
files; both raise ArchiveLimitError with a message naming the limit and its setting.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

CHUNK = 64 * 1024
# Formats that deflate no further: stored as they are, as n8n does.
ALREADY_COMPRESSED = frozenset(
    ["7z", "aifc", "bz2", "doc", "docx", "gif", "gz", "heic", "heif", "jpg", "jpeg", "mov", "mp3", "mp4", "pdf", "png", "ppt", "pptx", "rar", "webm", "webp", "xls", "xlsx", "zip"]
)


class ArchiveError(ValueError):
    """The data is not a readable archive of the expected kind."""


class ArchiveLimitError(ArchiveError):
    """Unpacking would pass a configured limit."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_entries: int

    def too_large(self) -> ArchiveLimitError:
        return ArchiveLimitError(
            f"Refusing to decompress: the content is larger than {self.max_bytes // 2**20} MiB "
            "(KNOTWORK_MAX_DECOMPRESSED_MB); it may be a zip bomb"
        )

    def too_many(self, count: int) -> ArchiveLimitError:
        return ArchiveLimitError(
            f"Refusing to decompress: the archive holds {count} files, more than {self.max_entries} "
            "(KNOTWORK_MAX_DECOMPRESSED_ENTRIES); it may be a zip bomb"
        )


def detect(content: bytes, extension: str | None) -> str | None:
    """"zip" or "gzip" from the leading bytes, else from the file extension, else None."""
    if content[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if content[:2] == b"\x1f\x8b":
        return "gzip"
    lowered = (extension or "").lower()
    return "zip" if lowered == "zip" else "gzip" if lowered in ("gz", "gzip") else None


def make_zip(files: dict[str, tuple[bytes, str | None]]) -> bytes:
    """A zip of `{name: (content, extension)}`; already-compressed formats are stored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (content, extension) in files.items():
            stored = (extension or "").lower() in ALREADY_COMPRESSED
            method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content, method, 6)
    return buffer.getvalue()


def make_gzip(content: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    return compressor.compress(content) + compressor.flush()


def unzip(content: bytes, limits: Limits) -> list[tuple[str, bytes]]:
    """The files of a zip as (name, bytes), folders and __MACOSX copies left out.
    Raises ArchiveError for a damaged zip, ArchiveLimitError past a limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError) as error:
        raise ArchiveError(f"The file is not a valid zip archive: {error}") from None
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir() and "__MACOSX" not in info.filename]
        if len(entries) > limits.max_entries:
            raise limits.too_many(len(entries))
        if sum(info.file_size for info in entries) > limits.max_bytes:
            raise limits.too_large()
        files: list[tuple[str, bytes]] = []
        total = 0
        for info in entries:
            parts: list[bytes] = []
            try:
                with archive.open(info) as stream:
                    while chunk := stream.read(CHUNK):
                        total += len(chunk)
                        if total > limits.max_bytes:
                            raise limits.too_large()
                        parts.append(chunk)
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as error:
                raise ArchiveError(f"Cannot unpack '{info.filename}' from the zip: {error}") from None
            files.append((info.filename, b"".join(parts)))
        return files


def gunzip(content: bytes, limits: Limits) -> bytes:
    """The content of a gzip stream (several members are joined). Raises ArchiveError for bad
    data, ArchiveLimitError when it inflates past the byte limit."""
    parts: list[bytes] = []
    total = 0
    pending = content
    try:
        while pending:
            inflater = zlib.decompressobj(31)
            data = pending
            while not inflater.eof:
                # max_length bounds each step, so a bomb never inflates much past the limit.
                chunk = inflater.decompress(data, CHUNK)
                total += len(chunk)
                if total > limits.max_bytes:
                    raise limits.too_large()
                parts.append(chunk)
                data = inflater.unconsumed_tail
                if not chunk and not data:
                    break
            if not inflater.eof:
                raise ArchiveError("The gzip data ends too early")
            pending = inflater.unused_data.lstrip(b"\x00")
    except zlib.error as error:
        raise ArchiveError(f"The file is not valid gzip data: {error}") from None
    return b"".join(parts)


def check_zip_size(content: bytes, limits: Limits) -> None:
    """Refuse a zip-based document (xlsx, ods) that declares more than the limits allow; zipfile
    never inflates an entry past its declared size, so this bounds what reading it costs."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip: the format's reader reports that
    if len(entries) > limits.max_entries:
        raise limits.too_many(len(entries))
    if sum(info.file_size for info in entries) > limits.max_bytes:
        raise limits.too_large()
