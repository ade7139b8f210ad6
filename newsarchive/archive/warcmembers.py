"""The whole records of a gzipped WARC file, found by their bytes rather than believed.

A record is one gzip member; it is whole when its gzip stream ends and its block holds every byte
its ``Content-Length`` promises. A writer killed mid-member, or a disk that filled, leaves a member
that warcio reads without complaint (it stops where the bytes stop): capture's recovery cuts such a
tail, and replay and reparse never serve such a record as a capture.
"""

from __future__ import annotations

import zlib

_GZIP_MAGIC = b"\x1f\x8b\x08"


def _record_whole(record: bytes) -> bool:
    """Whether one WARC record's bytes hold its whole block: the header's Content-Length of them."""
    head_end = record.find(b"\r\n\r\n")
    if not record.startswith(b"WARC/") or head_end < 0:
        return False
    for line in record[:head_end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return len(record) - head_end - 4 >= int(value.strip())
            except ValueError:
                return False
    return False


def whole_members(data: bytes) -> tuple[list[tuple[int, int]], int]:
    """The (offset, length) of each whole record of a gzipped WARC file's bytes (a member a record),
    and the end of the last one: a member counts only if its gzip stream ends and its record holds
    every byte its Content-Length promises. warcio reads a member cut inside its payload without
    a word; this does not. Past a damaged member, the next member is looked for, so one bad record
    in the middle of a file (a failed write of an older version) costs only itself."""
    found: list[tuple[int, int]] = []
    end = 0
    pos = 0
    view = memoryview(data)
    while pos < len(data):
        member = _member_at(view, pos)
        if member is not None:
            found.append((pos, member))
            pos += member
            end = pos
            continue
        following = data.find(_GZIP_MAGIC, pos + 1)
        if following < 0:
            break
        pos = following
    return found, end


_CHUNK = 1 << 16


def _member_at(view: memoryview, pos: int) -> int | None:
    """The length of the whole record's gzip member at ``pos``, or None. Fed in chunks: handing
    zlib the rest of the file would copy it (and its leftover) once a member."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS + 16)
    parts: list[bytes] = []
    fed = pos
    try:
        while not inflater.eof and fed < len(view):
            chunk = view[fed : fed + _CHUNK]
            parts.append(inflater.decompress(chunk))
            fed += len(chunk)
    except zlib.error:
        return None
    if not inflater.eof or not _record_whole(b"".join(parts)):
        return None
    return fed - len(inflater.unused_data) - pos
