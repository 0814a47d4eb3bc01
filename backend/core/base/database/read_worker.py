"""A worker process that reads batches of a SQLite database for the app (`read_processes`).

Run as a script by the app (`python -I -S read_worker.py`; the app imports it for
FRAME_HEADER only): it uses the standard library only, so that it starts in a few
milliseconds and holds about 14 MB. SQLite runs a statement in the thread that asks for
it, so two batches of one export are only read at once, on two cores, by two processes.

The protocol, on the standard streams:
- in: one line of JSON, the header `{"database": path, "statements": [sql, ...],
  "busy_timeout_ms": n, "separator": text}`; then one line per batch,
  `[statement index, [parameters]]`. The end of the input ends the worker (exit status 0).
- out: for each batch, in the order asked, an 8-byte little-endian length and that many
  bytes of UTF-8: the first column of every row (text), joined by the separator: a comma
  between the records of a JSON array, nothing between CSV lines.
- err: what went wrong, and exit status 1. A reader gone (a closed pipe) ends it quietly.

The database is opened read-only: the worker can never change it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import sys
from pathlib import Path
from typing import BinaryIO

FRAME_HEADER = struct.Struct("<Q")


def serve(source: BinaryIO, out: BinaryIO) -> None:
    """Answer the batches asked on `source` until its end."""
    header = json.loads(source.readline())
    uri = Path(header["database"]).resolve().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        connection.execute(f"PRAGMA busy_timeout={int(header['busy_timeout_ms'])}")
        statements: list[str] = header["statements"]
        separator: str = header["separator"]
        for line in source:
            index, parameters = json.loads(line)
            rows = connection.execute(statements[index], parameters).fetchall()
            data = separator.join([row[0] for row in rows]).encode()
            out.write(FRAME_HEADER.pack(len(data)))
            out.write(data)
            out.flush()
    finally:
        connection.close()


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
