"""Reading LSP messages off a byte stream, recovering from bad framing.

An LSP message is a header block (``Content-Length: N``, optionally ``Content-Type``, lines
ending in CR LF, then an empty line) followed by exactly N bytes of JSON. pygls 2.1's reader
(``pygls.io_.run_async``) accepts a header only when a whole line is exactly
``Content-Length: N\\r\\n``, and reads the body with ``read(N)``. One message whose
Content-Length is larger than its body therefore swallows the start of the next message;
the rest of that message's body has no line break, so the following header is read as the
tail of a longer line that never matches again: every later message is dropped and the
server is deaf for good. A huge Content-Length also makes ``read(N)`` allocate N bytes.

:class:`MessageReader` replaces that reader. It keeps only what has arrived (never
allocating what a header announces), bounds header blocks and bodies, and finds the next
header wherever it starts, so one broken message costs at most that message:

* garbage between messages is skipped up to the next header;
* a body cut short by the next header is reported, and reading goes on at that header. A
  valid JSON text can never contain a header line (its letters could only be inside a
  string, and a JSON string cannot hold a raw CR LF), so finding one inside a body proves
  that the body ended early;
* an invalid header block (no length, a length that is not a decimal number, one that is
  too large) is reported and skipped;
* a body that is not JSON is reported.

The reader is pure (bytes in, events out); the transport feeds it what stdin delivers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

#: A message larger than this is refused (64 MiB: a 1 MiB document sent as JSON, even with
#: every character escaped, is far below it).
MAX_CONTENT_LENGTH = 64 * 1024 * 1024
#: A header block longer than this is refused (real ones are under 100 bytes).
MAX_HEADER_BYTES = 4096

_BLANKS = rb"[ \t]{0,8}"
# Where a header block may begin (the name of either header LSP defines).
_HEADER_START = re.compile(rb"content-(?:length|type)" + _BLANKS + rb":", re.IGNORECASE)
# A whole Content-Length line: proof that a new message begins here (see the module doc).
_LENGTH_LINE = re.compile(
    rb"content-length" + _BLANKS + rb":" + _BLANKS + rb"\d{1,20}" + _BLANKS + rb"\r\n",
    re.IGNORECASE,
)
_LENGTH_LINE_MAX = 14 + 8 + 1 + 8 + 20 + 8 + 2
_HEADER_LINE = re.compile(rb"([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*?)[ \t]*")
_NAME = b"content-length"
_PARTIAL_REST = re.compile(_BLANKS + rb"(?::" + _BLANKS + rb"(?:\d{1,20}" + _BLANKS + rb"\r?)?)?")
_BLOCK_END = b"\r\n\r\n"


@dataclass(frozen=True)
class Message:
    """A well-framed message: its JSON value (any JSON type; the caller checks it)."""

    value: Any


@dataclass(frozen=True)
class Problem:
    """Bytes that could not be read as a message.

    ``value`` is the JSON value of a body that was complete JSON although its frame was
    wrong (a Content-Length longer than the body): the caller may answer its request.
    ``answer`` says whether the problem was a message the client expects an answer to (a
    parse error), rather than bytes skipped between messages.
    """

    reason: str
    answer: bool = True
    value: Any = None


Event = Message | Problem


class MessageReader:
    """Turns chunks of a byte stream into :class:`Message` and :class:`Problem` events."""

    def __init__(
        self,
        *,
        max_content_length: int = MAX_CONTENT_LENGTH,
        max_header_bytes: int = MAX_HEADER_BYTES,
    ) -> None:
        self._buffer = bytearray()
        self._length: int | None = None  # the body length being read, None between messages
        self._scanned = 0  # how far the current body was searched for a header line
        self._skipped = 0  # garbage bytes skipped since the last header
        self._refused = False  # a broken header was reported: its body is not news
        self._max_length = max_content_length
        self._max_header = max_header_bytes

    @property
    def pending(self) -> int:
        """Bytes held for a message that has not been completed yet."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Event]:
        """Take the next chunk of the stream; return the events it completes."""
        self._buffer += data
        events: list[Event] = []
        while self._step(events):
            pass
        return events

    def close(self) -> list[Event]:
        """The stream ended: report a message left unfinished."""
        events: list[Event] = []
        if self._length is not None and len(self._buffer) >= self._length:
            events.append(Problem("a body that is not JSON", answer=False))
        elif self._length is not None:
            events.append(
                Problem(
                    f"the input ended after {len(self._buffer)} of the "
                    f"{self._length} bytes of a message",
                    answer=False,
                )
            )
        else:
            self._skipped += len(self._buffer)
            self._report_skipped(events)
        self._buffer.clear()
        self._length = None
        return events

    # ------------------------------------------------------------------ the states

    def _step(self, events: list[Event]) -> bool:
        """Make one step of progress; False when more input is needed."""
        if self._length is None:
            return self._read_header(events)
        return self._read_body(events)

    def _read_header(self, events: list[Event]) -> bool:
        buffer = self._buffer
        start = _HEADER_START.search(buffer)
        if start is None:
            # Keep a tail that may be the beginning of a header name; the rest is garbage.
            keep = len(_NAME) + 8
            if len(buffer) > keep:
                self._skipped += len(buffer) - keep
                del buffer[: len(buffer) - keep]
            return False
        if start.start():
            self._skipped += start.start()
            del buffer[: start.start()]
        end = buffer.find(_BLOCK_END)
        if end < 0 and len(buffer) <= self._max_header:
            return False  # the rest of the header block has not arrived yet
        length, problem = 0, f"a header block longer than {self._max_header} bytes"
        if end >= 0:
            length, problem = self._parse_block(bytes(buffer[:end]))
        if problem is not None:
            self._refuse(events, problem, end)
            return True
        self._report_skipped(events)
        del buffer[: end + len(_BLOCK_END)]
        self._length = length
        self._scanned = 0
        return True

    def _refuse(self, events: list[Event], reason: str, end: int) -> None:
        """Report a broken header block and go on at the next Content-Length line inside
        it (the block may have started inside garbage), else after it."""
        limit = end if end >= 0 else self._max_header
        again = _LENGTH_LINE.search(self._buffer, 1, limit + len(_BLOCK_END))
        if again is not None:
            resume = again.start()
        elif end >= 0:
            resume = end + len(_BLOCK_END)
        else:
            resume = limit
        del self._buffer[:resume]
        self._report_skipped(events)
        events.append(Problem(reason))
        self._refused = True

    def _report_skipped(self, events: list[Event]) -> None:
        if self._skipped and not self._refused:
            events.append(Problem(f"skipped {self._skipped} bytes", answer=False))
        self._skipped = 0
        self._refused = False

    def _parse_block(self, block: bytes) -> tuple[int, str | None]:
        length: int | None = None
        for line in block.split(b"\r\n"):
            match = _HEADER_LINE.fullmatch(line)
            name = match.group(1).lower() if match is not None else b""
            if match is None or (name != _NAME and not _other_header(name)):
                return 0, f"a malformed header line {_show(line)}"
            if name != _NAME:
                continue  # Content-Type (its charset is always utf-8 in LSP), or unknown
            value = match.group(2)
            if not value.isdigit() or len(value) > 20:  # bytes: ASCII digits only
                return 0, f"a Content-Length that is not a number of bytes: {_show(value)}"
            number = int(value)
            if length is not None and number != length:
                return 0, "two different Content-Length headers"
            length = number
        if length is None:
            return 0, "a header block without Content-Length"
        if length > self._max_length:
            return 0, f"a message of {length} bytes (the limit is {self._max_length})"
        return length, None

    def _read_body(self, events: list[Event]) -> bool:
        assert self._length is not None
        buffer, length = self._buffer, self._length
        # A header line that starts inside the declared body: that body ended early.
        cut = _LENGTH_LINE.search(buffer, max(0, self._scanned - _LENGTH_LINE_MAX))
        self._scanned = len(buffer)
        if cut is not None and cut.start() < length:
            body = bytes(buffer[: cut.start()])
            del buffer[: cut.start()]
            self._length = None
            events.append(
                Problem(
                    f"a message shorter than its Content-Length ({len(body)} of "
                    f"{length} bytes came before the next header)",
                    value=_json(body, None),
                )
            )
            return True
        if len(buffer) < length:
            return False
        body = bytes(buffer[:length])
        value = _json(body)
        if value is _INVALID and len(buffer) < length + _LENGTH_LINE_MAX:
            if _header_may_begin_in(body):
                return False  # the next header may have begun in the body: wait for it
        del buffer[:length]
        self._length = None
        events.append(
            Message(value) if value is not _INVALID else Problem("a body that is not JSON")
        )
        return True


_INVALID = object()


def _json(body: bytes, invalid: Any = _INVALID) -> Any:
    """The JSON value of ``body``, or ``invalid``."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return invalid


def _header_may_begin_in(body: bytes) -> bool:
    """Whether the end of ``body`` could be the start of a Content-Length line."""
    tail = body[-_LENGTH_LINE_MAX:].lower()
    for index in range(len(tail)):
        if tail[index] != _NAME[0]:
            continue
        rest = tail[index:]
        if len(rest) <= len(_NAME):
            if _NAME.startswith(rest):
                return True
        elif rest.startswith(_NAME) and _PARTIAL_REST.fullmatch(rest[len(_NAME) :]):
            return True
    return False


def _other_header(name: bytes) -> bool:
    """Whether a header other than Content-Length is plausible (and ignored): a short name
    that is not a Content header glued to the end of garbage."""
    return len(name) <= 64 and (name == b"content-type" or b"content-" not in name)


def _show(data: bytes, limit: int = 40) -> str:
    text = data[:limit].decode("utf-8", "replace")
    return repr(text + ("..." if len(data) > limit else ""))
