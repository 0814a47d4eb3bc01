"""Batches of a SQLite read answered by worker processes (read_processes, read_worker)."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from core.base.database import read_processes
from core.base.database.read_processes import AHEAD, BatchReaders, ReadWorkerError
from core.base.database.read_worker import FRAME_HEADER, serve

pytestmark = [pytest.mark.no_database, pytest.mark.slow]  # worker processes

RANGE = "SELECT json_object('id', id, 'name', name) FROM item WHERE id > ? AND id <= ? ORDER BY id"
SLOW = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000000)"
    " SELECT max(x) FROM n"
)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "items.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)")
        connection.executemany(
            "INSERT INTO item VALUES (?, ?)", [(n, f'item "{n}", é') for n in range(1, 51)]
        )
    connection.close()
    return path


def expected(first: int, last: int) -> bytes:
    return ",".join(
        json.dumps({"id": n, "name": f'item "{n}", é'}, ensure_ascii=False, separators=(",", ":"))
        for n in range(first, last + 1)
    ).encode()


def readers(database: Path, statements: list[str], workers: int = 2, **kw: Any) -> BatchReaders:
    return BatchReaders(database, statements, workers=workers, busy_timeout_ms=1000, **kw)


def ended(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_answers_come_back_in_the_order_asked(database: Path, workers: int) -> None:
    batches = [(0, [start, start + 4]) for start in range(0, 50, 4)]  # 13 batches
    with closing(readers(database, [RANGE], workers)) as reading:
        pids = reading.pids
        answers = list(reading.read(batches))
    assert answers == [expected(start + 1, min(start + 4, 50)) for start in range(0, 50, 4)]
    assert len(pids) == workers
    assert all(ended(pid) for pid in pids)  # each ended after its last batch


def test_an_empty_range_is_an_empty_answer(database: Path) -> None:
    with closing(readers(database, [RANGE, "SELECT 'x' WHERE 0"])) as reading:
        assert list(reading.read([(0, [100, 200]), (1, []), (0, [0, 1])])) == [
            b"",
            b"",
            expected(1, 1),
        ]


def test_batches_are_taken_only_as_workers_become_free(database: Path) -> None:
    taken: list[int] = []

    def batches() -> Iterator[tuple[int, list[int]]]:
        for start in range(50):
            taken.append(start)
            yield 0, [start, start + 1]

    with closing(readers(database, [RANGE], workers=2)) as reading:
        answers = reading.read(batches())
        assert next(answers) == expected(1, 1)
        assert len(taken) == 2 * AHEAD + 1  # the first asked of each, and one more
        assert len(list(answers)) == 49


def test_a_failing_statement_raises_what_sqlite_said(database: Path) -> None:
    with closing(readers(database, [RANGE, "SELECT * FROM nowhere"])) as reading:
        pids = reading.pids
        answers = reading.read([(0, [0, 1]), (1, [])])
        assert next(answers) == expected(1, 1)
        with pytest.raises(ReadWorkerError, match="no such table: nowhere"):
            next(answers)
    assert all(ended(pid) for pid in pids)


def test_the_database_is_opened_read_only(database: Path) -> None:
    write = "INSERT INTO item VALUES (99, 'x') RETURNING name"
    with (
        closing(readers(database, [write], workers=1)) as reading,
        pytest.raises(ReadWorkerError, match="readonly"),
    ):
        list(reading.read([(0, [])]))
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM item").fetchone() == (50,)
    connection.close()


def test_a_worker_that_does_not_answer_in_time_is_stopped(database: Path) -> None:
    with closing(readers(database, [SLOW], workers=1, timeout=0.3)) as reading:
        pids = reading.pids
        with pytest.raises(ReadWorkerError, match=r"sent nothing for 0\.3 s and was stopped"):
            list(reading.read([(0, [])]))
    assert all(ended(pid) for pid in pids)


def test_closing_stops_the_workers_mid_read(database: Path) -> None:
    reading = readers(database, [RANGE, SLOW])
    pids = reading.pids
    answers = reading.read([(0, [0, 1]), (1, []), (1, []), (1, [])])
    assert next(answers) == expected(1, 1)
    reading.close()  # the client went: the slow batches in flight are not waited for
    assert all(ended(pid) for pid in pids)


def test_a_worker_that_cannot_start_is_an_error(
    database: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(read_processes.sys, "executable", str(tmp_path / "no-python"))
    with pytest.raises(ReadWorkerError, match="Cannot start a database read worker"):
        readers(database, [RANGE])


def test_the_worker_protocol(database: Path) -> None:
    """read_worker.serve, in this process: the header, a line per batch, a frame each."""
    header = {
        "database": str(database),
        "statements": [RANGE],
        "busy_timeout_ms": 10,
        "separator": ",",
    }
    lines = [json.dumps(header), json.dumps([0, [0, 2]]), json.dumps([0, [60, 70]])]
    out = io.BytesIO()
    serve(io.BytesIO("\n".join(lines).encode() + b"\n"), out)
    data = out.getvalue()
    (first,) = FRAME_HEADER.unpack_from(data)
    body = data[FRAME_HEADER.size : FRAME_HEADER.size + first]
    assert body == expected(1, 2)
    rest = data[FRAME_HEADER.size + first :]
    assert rest == FRAME_HEADER.pack(0)  # the empty range: a frame of no bytes


def test_this_process_takes_its_turn(database: Path) -> None:
    """With `here`, the batches go to this process and the worker in turns: this process
    answers each of its own when that answer's turn comes, the worker's already asked."""
    batches = [(0, [start, start + 4]) for start in range(0, 50, 4)]
    mine: list[list[int]] = []

    def here(index: int, parameters: Sequence[Any]) -> bytes:
        mine.append(list(parameters))
        with sqlite3.connect(database) as connection:
            rows = connection.execute(RANGE, parameters).fetchall()
        connection.close()
        return ",".join(row[0] for row in rows).encode()

    with closing(readers(database, [RANGE], workers=1)) as reading:
        answers = reading.read(batches, here=here)
        assert next(answers) == expected(1, 4)
        assert mine == [[0, 4]]  # its first batch only, when its answer was due
        rest = list(answers)
    assert [expected(1, 4), *rest] == [
        expected(start + 1, min(start + 4, 50)) for start in range(0, 50, 4)
    ]
    # Its turns: 2 in each round of 5 (it also passes every answer on).
    assert mine == [batch[1] for n, batch in enumerate(batches) if n % 5 in (0, 2)]


def test_a_failure_here_stops_the_workers(database: Path) -> None:
    def here(index: int, parameters: Sequence[Any]) -> bytes:
        raise sqlite3.OperationalError("disk I/O error")

    reading = readers(database, [RANGE], workers=1)
    pids = reading.pids
    with closing(reading), pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        list(reading.read([(0, [0, 1]), (0, [1, 2])], here=here))
    assert all(ended(pid) for pid in pids)


def test_on_close_is_called_once_even_when_a_worker_cannot_start(
    database: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    closed: list[bool] = []
    reading = readers(database, [RANGE], on_close=lambda: closed.append(True))
    list(reading.read([(0, [0, 1])]))
    reading.close()
    reading.close()
    assert closed == [True]
    monkeypatch.setattr(read_processes.sys, "executable", str(tmp_path / "no-python"))
    with pytest.raises(ReadWorkerError):
        readers(database, [RANGE], on_close=lambda: closed.append(False))
    assert closed == [True, False]


def test_rows_joined_by_the_separator_given(database: Path) -> None:
    """A comma between the records of a JSON array by default; CSV lines (each with its
    line end) are joined by nothing."""
    lines = "SELECT name || char(13, 10) FROM item WHERE id <= 3 ORDER BY id"
    with closing(readers(database, [lines], workers=1, separator="")) as reading:
        (answer,) = reading.read([(0, [])])
    assert answer.decode() == 'item "1", é\r\nitem "2", é\r\nitem "3", é\r\n'
    with closing(readers(database, [RANGE], workers=1)) as reading:
        (answer,) = reading.read([(0, [0, 2])])
    assert answer == expected(1, 2)


def _here_from(database: Path) -> Any:
    def here(index: int, parameters: Sequence[Any]) -> bytes:
        with sqlite3.connect(database) as connection:
            rows = connection.execute(RANGE, parameters).fetchall()
        connection.close()
        return ",".join(row[0] for row in rows).encode()

    return here


def test_a_worker_that_dies_leaves_its_batches_to_this_process(
    database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Killed mid-read (the system's OOM killer, say): with `here`, the read still ends
    whole and in order, this process answering the worker's batches."""
    batches = [(0, [start, start + 2]) for start in range(0, 50, 2)]  # 25 batches
    with closing(readers(database, [RANGE], workers=1)) as reading:
        (pid,) = reading.pids
        answers = reading.read(batches, here=_here_from(database))
        first = [next(answers), next(answers)]  # this process's, then the worker's
        os.kill(pid, signal.SIGKILL)
        with caplog.at_level(logging.WARNING):
            rest = list(answers)
    assert [*first, *rest] == [expected(start + 1, start + 2) for start in range(0, 50, 2)]
    # Found on the next batch asked of it, or on its next answer, whichever comes first.
    assert re.search(
        r"A database read worker (stopped reading its requests|ended before its answer)"
        r".*; this process reads its batches instead",
        caplog.text,
    )
    assert ended(pid)


def test_a_worker_that_hangs_leaves_its_batches_to_this_process(
    database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    batches = [(0, [0, 1]), (1, []), (0, [1, 2]), (0, [2, 3])]
    with closing(readers(database, [RANGE, SLOW], workers=1, timeout=0.3)) as reading:
        (pid,) = reading.pids
        local = _here_from(database)

        def here(index: int, parameters: Sequence[Any]) -> bytes:
            return local(0, [0, 0]) if index == 1 else local(index, parameters)

        with caplog.at_level(logging.WARNING):
            answers = list(reading.read(batches, here=here))
    assert answers == [expected(1, 1), b"", expected(2, 2), expected(3, 3)]
    assert "sent nothing for 0.3 s and was stopped" in caplog.text
    assert ended(pid)
