"""A multipart/form-data body read as it arrives, for one file field: the restore upload.

FastAPI reads a form (with python-multipart) before any dependency runs, so before
authentication: an anonymous client could make the server spool gigabytes. The restore
route reads the stream itself, after authentication, through python-multipart's streaming
parser: the bytes of one file part are handed on as they come, never the whole body in
memory. The headers of each part are read by the standard library (`email`), which knows
RFC 2231's `filename*=`.
"""

from __future__ import annotations

from email.message import Message
from email.parser import HeaderParser

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser

from core.exceptions import InvalidInputError

MAX_HEADER_BYTES = 16 * 1024
"""A part's headers larger than this are refused (they are a few hundred bytes)."""
MAX_HEADERS = 16
"""Headers of one part (a browser sends two or three)."""


def boundary_of(content_type: str) -> bytes:
    """The boundary of a multipart/form-data Content-Type; InvalidInputError otherwise."""
    message = Message()
    message["content-type"] = content_type
    boundary = message.get_param("boundary")
    if message.get_content_type() != "multipart/form-data" or not isinstance(boundary, str):
        raise InvalidInputError(
            "Send the file as multipart/form-data (a form with a file field), not "
            f"{content_type or 'a body without a Content-Type'}"
        )
    if not 1 <= len(boundary) <= 70:
        raise InvalidInputError("The multipart boundary must be 1 to 70 characters long")
    return boundary.encode("latin-1", errors="replace")


class FilePartReader:
    """Feed it the body's chunks; it returns the bytes of the file field `field` in them.

    After the last chunk, `finish()` checks that the field was there and whole; `filename`
    is the name the client gave the file. Only the first part named `field` that carries a
    file name is taken; other fields are read past.
    """

    def __init__(self, content_type: str, field: str = "file") -> None:
        self._field = field
        self._out = bytearray()
        self._headers = bytearray()
        self._field_name = bytearray()
        self._value = bytearray()
        self._in_file = False
        self._file_done = False
        self._ended = False
        self.filename: str | None = None
        self._parser = MultipartParser(
            boundary_of(content_type),
            {
                "on_part_begin": self._headers.clear,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._part,
                "on_part_data": self._data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
            max_header_count=MAX_HEADERS,
            max_header_size=MAX_HEADER_BYTES,
        )

    def feed(self, chunk: bytes) -> bytes:
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise InvalidInputError(f"The multipart body is malformed: {exc}") from exc
        out = bytes(self._out)
        self._out.clear()
        return out

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        """One header read whole (the parser bounds its size, MAX_HEADER_BYTES)."""
        self._headers += bytes(self._field_name) + b": " + bytes(self._value) + b"\r\n"
        self._field_name.clear()
        self._value.clear()

    def _part(self) -> None:
        message = HeaderParser().parsestr(self._headers.decode("utf-8", errors="replace"))
        name = message.get_param("name", header="content-disposition")
        filename = message.get_filename()
        if (
            not self._file_done
            and self.filename is None
            and name == self._field
            and filename is not None
        ):
            self._in_file = True
            self.filename = filename.replace("\\", "/").rsplit("/", 1)[-1][:200]

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._out += data[start:end]

    def _part_end(self) -> None:
        if self._in_file:
            self._in_file, self._file_done = False, True

    def _end(self) -> None:
        self._ended = True

    def finish(self) -> None:
        """After the last chunk: InvalidInputError when the file field was missing, or
        the body ended inside it (or before its closing boundary)."""
        self._parser.finalize()
        if self._in_file or not self._ended:
            raise InvalidInputError("The upload ended before the file did; send it again")
        if not self._file_done:
            raise InvalidInputError(f"The form holds no file in the field {self._field!r}")
