"""Typed reads of an archive's records: DuckDB column types derived from the JSON Schema, a typed
Parquet file (``scrapy export``) and a typed pandas DataFrame.

Reading the JSONL with type inference goes wrong in ways that are easy to miss: a glob over
``ARCHIVE_DIR/*/*.jsonl`` also reads ``rejects/`` and ``duplicates/``; a source whose
``published_at`` happens to be null everywhere types it as text, another as a timestamp, so two
sources do not concatenate. Here the files are the record files alone
(:func:`newsarchive.archive.paths.record_files`) and every column has the type the schema gives
it, whatever the values: times ``TIMESTAMPTZ``, ``published_date`` ``DATE``, lists as lists,
``images`` and ``warc`` as lists of structs.

DuckDB (the ``export`` extra) does the reading; pandas is needed only for :func:`dataframe`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsarchive.archive.jsonl import whole_size
from newsarchive.archive.paths import record_files
from newsarchive.items import FIELDS, SCHEMA

if TYPE_CHECKING:
    import duckdb
    import pandas

# Strings the schema constrains to times and dates (by pattern, as the records print them).
TEMPORAL = {"published_date": "DATE", "published_at": "TIMESTAMPTZ", "crawled_at": "TIMESTAMPTZ"}


def duckdb_type(field: str, spec: dict[str, Any]) -> str:
    """The DuckDB type of a schema property.

    >>> duckdb_type("authors", SCHEMA["properties"]["authors"])
    'VARCHAR[]'
    >>> duckdb_type("images", SCHEMA["properties"]["images"])[:60]
    'STRUCT("url" VARCHAR, "caption" VARCHAR, "warc_file" VARCHAR'
    """
    if field in TEMPORAL:
        return TEMPORAL[field]
    kinds = spec.get("type", "string")
    kinds = [k for k in (kinds if isinstance(kinds, list) else [kinds]) if k != "null"]
    if "enum" in spec and not kinds:
        kinds = ["string"]
    [kind] = kinds
    if kind == "array":
        return duckdb_type("", spec["items"]) + "[]"
    if kind == "object":
        members = ", ".join(f'"{name}" {duckdb_type(name, sub)}' for name, sub in spec["properties"].items())
        return f"STRUCT({members})"
    return {"string": "VARCHAR", "integer": "BIGINT", "boolean": "BOOLEAN", "number": "DOUBLE"}[kind]


def columns() -> dict[str, str]:
    """Every record field and its DuckDB type, in record order."""
    return {name: duckdb_type(name, SCHEMA["properties"][name]) for name in FIELDS}


def files(archive_dir: Path, sources: Iterable[str] = ()) -> list[Path]:
    """The record files of an archive (of some sources only): never rejects or duplicates."""
    wanted = set(sources)
    return [p for p in record_files(archive_dir) if not wanted or p.parent.name in wanted]


def globs(archive_dir: Path, sources: Iterable[str] = ()) -> list[str]:
    """One ``<source>/*.jsonl`` pattern per source with records: what a view over the archive reads,
    new days' files included, rejects and duplicates never."""
    return sorted({f"{path.parent}/*.jsonl" for path in files(archive_dir, sources)})


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_sql(paths: Iterable[Path | str]) -> str:
    """A DuckDB query reading record files (or glob patterns) with every column typed from the schema."""
    listed = ", ".join(_quote(str(p)) for p in paths)
    typed = ", ".join(f"{_quote(name)}: {_quote(kind)}" for name, kind in columns().items())
    return f"SELECT * FROM read_json([{listed}], format = 'newline_delimited', columns = {{{typed}}})"


def connect() -> duckdb.DuckDBPyConnection:
    try:
        import duckdb
    except ImportError as exc:
        raise ImportError("typed reads and exports need DuckDB: pip install 'newsarchive[export]'") from exc
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # instants come out in UTC; convert for display as needed
    return con


class Unreadable(ValueError):
    """A record file holds a line that is not a record (not a torn tail: damage to look at)."""


@contextmanager
def whole_lines(paths: list[Path]) -> Iterator[tuple[list[Path], list[Path]]]:
    """The files to read, and those that ended in a torn line. A crawl writes a line whole or not
    at all, but a crawl killed mid-write (or one writing right now) leaves a last line without its
    newline, which the next crawl cuts off; until then its whole lines are read from a copy."""
    sizes = {path: whole_size(path) for path in paths}
    torn = [path for path in paths if sizes[path] < path.stat().st_size]
    if not torn:
        yield paths, []
        return
    with tempfile.TemporaryDirectory(prefix="newsarchive-export-") as scratch:
        readable = []
        for n, path in enumerate(paths):
            if path in torn:
                copy = Path(scratch) / f"{n}.jsonl"
                with path.open("rb") as fh:
                    copy.write_bytes(fh.read(sizes[path]))
                path = copy
            readable.append(path)
        yield readable, torn


@contextmanager
def records(
    archive_dir: Path, sources: Iterable[str] = ()
) -> Iterator[tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyRelation, list[Path]]]:
    """The archive's records as a typed DuckDB relation (empty when there are none), its
    connection, and the files whose torn last line is left out; use the relation inside the block.
    A line DuckDB cannot read as a record is :class:`Unreadable`."""
    con = connect()
    import duckdb

    with whole_lines(files(archive_dir, sources)) as (paths, torn):
        if paths:
            rel = con.sql(read_sql(paths))
        else:
            empty = ", ".join(f'NULL::{kind} AS "{name}"' for name, kind in columns().items())
            rel = con.sql(f"SELECT {empty} WHERE false")
        try:
            yield con, rel, torn
        except duckdb.InvalidInputException as exc:
            raise Unreadable(f"a record file holds a line that is not a record: {exc}") from exc


def query(archive_dir: Path, sql: str, sources: Iterable[str] = ()) -> str:
    """The result of a DuckDB query over the archive's typed records (the view ``records``), as
    DuckDB prints it: the typed read for a shell, with what set-up installs."""
    with records(archive_dir, sources) as (con, rel, _):
        rel.create_view("records")
        return str(con.sql(sql))


def dataframe(archive_dir: Path | str, sources: Iterable[str] = ()) -> pandas.DataFrame:
    """The archive's records as a pandas DataFrame: times tz-aware UTC, text pandas' ``string``
    dtype (missing is ``pd.NA``), lists as Python lists; the same dtypes whatever the values. A torn
    last line (see :func:`whole_lines`) is left out."""
    with records(Path(archive_dir), sources) as (_, rel, _):
        frame = rel.df()
    for name, kind in columns().items():
        if kind.endswith("[]"):  # DuckDB hands lists over as NumPy arrays
            frame[name] = [list(value) for value in frame[name]]
        elif kind == "VARCHAR":  # a column null throughout would come out as object
            frame[name] = frame[name].astype("string")
    return frame


def export(archive_dir: Path, output: Path, sources: Iterable[str] = ()) -> tuple[int, list[Path]]:
    """Write the records as one typed Parquet file (written beside and renamed: never half a file);
    return how many, and the files whose torn last line was left out."""
    partial = output.with_name(output.name + ".partial")
    try:
        with records(archive_dir, sources) as (con, rel, torn):
            rel.write_parquet(str(partial), compression="zstd")
        found = con.execute(f"SELECT count(*) FROM read_parquet({_quote(str(partial))})").fetchone()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(output)
    return (int(found[0]) if found else 0), torn
