"""A worker process that reads batches of a SQLite database for the app (`read_processes`).

Run as a script by the app (`python -I -S read_worker.py`; the app imports it for
FRAME_HEADER only): it uses the standard library only, so that it starts in a few
milliseconds and holds about 14 MB. SQLite runs a statement in the thread that asks for
it, so two batches of one export are only read at once, on two cores, by two processes.

The protocol, on the standard streams:
- in: one line of JSON, the header `{"database": path, "statements": [sql, ...],
  "busy_timeout_ms": n}`, and `"csv": rules` for CSV lines; then one line per batch,
  `[statement index, [parameters]]`. The end of the input ends the worker (exit status 0).
- out: for each batch, in the order asked, an 8-byte little-endian length and that many
  bytes of UTF-8: the first column of every row joined by commas (the records of a JSON
  array), or with `csv` the rows as CSV lines (core/base/utils/csv_rows.py, the one
  module of the app's that the worker imports: it is the standard library's only).
- err: what went wrong, and exit status 1. A reader gone (a closed pipe) ends it quietly.

The database is opened read-only: the worker can never change it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

FRAME_HEADER = struct.Struct("<Q")


def serve(source: BinaryIO, out: BinaryIO) -> None:
    """Answer the batches asked on `source` until its end."""
    header = json.loads(source.readline())
    uri = Path(header["database"]).resolve().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        connection.execute(f"PRAGMA busy_timeout={int(header['busy_timeout_ms'])}")
        statements: list[str] = header["statements"]
        write = _csv_writer(header["csv"]) if "csv" in header else _joined
        for line in source:
            index, parameters = json.loads(line)
            rows = connection.execute(statements[index], parameters).fetchall()
            data = write(rows).encode()
            out.write(FRAME_HEADER.pack(len(data)))
            out.write(data)
            out.flush()
    finally:
        connection.close()


def _joined(rows: list[Any]) -> str:
    return ",".join([row[0] for row in rows])


def _csv_writer(rules: dict[str, Any]) -> Callable[[list[Any]], str]:
    backend = str(Path(__file__).resolve().parents[3])
    if backend not in sys.path:
        sys.path.insert(0, backend)
    from core.base.utils.csv_rows import CsvRules, csv_text

    written = CsvRules.from_dict(rules)
    return lambda rows: csv_text(rows, written)


def main() -> int:
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:
        # The app stopped reading: nothing more is wanted. Python's own flush of the
        # standard output at exit would fail again and say so: let it write nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        sys.stderr.write(f"{type(exc).__name__}: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
