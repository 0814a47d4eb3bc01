"""The streaming multipart reader: the file's bytes whole, however the body is cut in chunks."""

from __future__ import annotations

import os

import httpx
import pytest

from api.multipart import FilePartReader
from core.exceptions import InvalidInputError


def encoded(
    files: dict[str, tuple[str, bytes]], data: dict[str, str] | None = None
) -> tuple[str, bytes]:
    """A multipart body as httpx (a real client) makes it: its Content-Type and bytes."""
    request = httpx.Request("POST", "http://testserver/", files=files, data=data)
    return request.headers["content-type"], request.read()


def read(content_type: str, body: bytes, chunk: int) -> tuple[bytes, str | None]:
    reader = FilePartReader(content_type)
    out = b"".join(reader.feed(body[i : i + chunk]) for i in range(0, len(body), chunk))
    reader.finish()
    return out, reader.filename


# Bytes that look like a delimiter's start, and CRLFs, inside the file.
TRICKY = b"--\r\n--\r\n\r\n" + os.urandom(5000) + b"\r\n-" + b"\r\n--" + os.urandom(3000) + b"\r"


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1000, 10**6])
def test_the_file_comes_out_whole_whatever_the_chunks(chunk: int) -> None:
    content_type, body = encoded(
        {"file": ("my backup.db", TRICKY)}, data={"note": "a field before or after it"}
    )

    out, filename = read(content_type, body, chunk)

    assert out == TRICKY
    assert filename == "my backup.db"


def test_the_boundary_inside_the_file_without_a_crlf_before_it_is_data() -> None:
    payload = b"--XYZ at the start, \n--XYZ after a bare LF, \r\n--XY almost, XYZ--"
    body = (
        b'--XYZ\r\nContent-Disposition: form-data; name="file"; filename="x.db"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + payload + b"\r\n--XYZ--\r\n"
    )

    for chunk in (1, 3, 1000):
        assert read("multipart/form-data; boundary=XYZ", body, chunk) == (payload, "x.db")


def test_only_the_named_field_is_taken_and_a_path_in_the_name_is_dropped() -> None:
    content_type, body = encoded(
        {"other": ("a.txt", b"not this"), "file": ("C:\\Users\\me\\../trailarr.db", b"this")}
    )

    out, filename = read(content_type, body, 5)

    assert out == b"this"
    assert filename == "trailarr.db"


def test_an_empty_file_is_read_as_empty() -> None:
    content_type, body = encoded({"file": ("empty.db", b"")})

    assert read(content_type, body, 4) == (b"", "empty.db")


def test_a_form_without_the_file_field_is_refused() -> None:
    content_type, body = encoded({"upload": ("x.db", b"data")})

    with pytest.raises(InvalidInputError, match="no file in the field 'file'"):
        read(content_type, body, 10)


def test_a_body_cut_inside_the_file_is_refused() -> None:
    content_type, body = encoded({"file": ("x.db", b"x" * 1000)})

    with pytest.raises(InvalidInputError, match="ended before the file did"):
        read(content_type, body[:500], 100)


@pytest.mark.parametrize(
    "content_type",
    ["application/octet-stream", "multipart/form-data", "", "multipart/form-data; boundary="],
)
def test_what_is_not_a_multipart_form_is_refused(content_type: str) -> None:
    with pytest.raises(InvalidInputError):
        FilePartReader(content_type)


def test_huge_part_headers_are_refused() -> None:
    reader = FilePartReader("multipart/form-data; boundary=xyz")
    reader.feed(b"--xyz\r\nContent-Disposition: form-data; name=file; filename=a.db\r\n")

    with pytest.raises(InvalidInputError, match="header size"):
        reader.feed(b"X-Padding: " + b"a" * 20_000)
