"""The server's message loop: stdin to pygls and back, every request answered.

This replaces ``pygls.io_.run_async``, the loop that pygls' ``start_io`` runs, and keeps the
rest of pygls (the protocol, the features, the writer). That loop has three faults that an
editor (or a hostile client) can trigger:

* its framing goes deaf for good after one message whose Content-Length is too large, and
  allocates whatever length a header announces (see :mod:`xentlint.lsp.framing`);
* a request it cannot read (invalid params such as a negative position, a method that is not
  a string, ``"jsonrpc": "1.0"``, a request after ``shutdown``) is logged and never
  answered, so the client waits forever;
* ``exit`` raises ``SystemExit``, which ``start_io`` swallows: the process ends with 0 even
  without ``shutdown``.

Here, the server's lifecycle follows the LSP specification: before ``initialize`` a request
gets ``ServerNotInitialized`` (-32002) and a notification is dropped, except ``exit``; a
second ``initialize`` and any request after ``shutdown`` get ``InvalidRequest``; ``exit``
ends the loop with status 0 after ``shutdown`` and 1 otherwise (the end of the input too).
A message that cannot be read gets the JSON-RPC error for it, with the request's id when
the id can be read and ``null`` otherwise. Error answers carry no Python traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

from lsprotocol.types import EXIT, INITIALIZE, SHUTDOWN, ErrorCodes
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol

from xentlint.lsp.framing import Event, Message, MessageReader, Problem

logger = logging.getLogger("xentlint.lsp")

#: How much is read from stdin at once (a read returns what is there, up to this).
CHUNK_BYTES = 64 * 1024

EXIT_AFTER_SHUTDOWN = 0
EXIT_WITHOUT_SHUTDOWN = 1


class Dispatcher:
    """Checks each message against JSON-RPC and the LSP lifecycle, then hands it to pygls.

    ``write`` sends bytes to the client (the error answers written here are framed here).
    """

    def __init__(self, protocol: LanguageServerProtocol, write: Callable[[bytes], Any]) -> None:
        self.protocol = protocol
        self._write = write
        self.initialized = False
        self.shut_down = False

    @property
    def exit_status(self) -> int:
        return EXIT_AFTER_SHUTDOWN if self.shut_down else EXIT_WITHOUT_SHUTDOWN

    def handle(self, event: Event) -> int | None:
        """Act on one event of the reader; returns the exit status when the server must end."""
        if isinstance(event, Problem):
            logger.warning("unreadable input: %s", event.reason)
            if event.answer:
                value = event.value
                is_request = isinstance(value, dict) and "method" in value
                ident = _request_id(value) if is_request else None
                self.answer_error(ident, ErrorCodes.ParseError, f"Parse error: {event.reason}")
            return None
        return self._message(event)

    def _message(self, event: Message) -> int | None:
        value = event.value
        if not isinstance(value, dict):
            return self._invalid(None, "a message must be a JSON object")
        has_id, method = "id" in value, value.get("method")
        ident = _request_id(value)
        if "method" not in value:
            if not has_id:
                return self._invalid(None, "neither a request, a notification nor a response")
            if value.get("jsonrpc") == "2.0":
                self._dispatch(value, None)  # the client's answer to one of our requests
            return None
        is_request = has_id
        if value.get("jsonrpc") != "2.0":
            return self._invalid(ident if is_request else False, 'not JSON-RPC 2.0 ("jsonrpc")')
        if not isinstance(method, str):
            return self._invalid(ident if is_request else False, "the method is not a string")
        if is_request and ident is None:
            return self._invalid(None, "a request id must be an integer or a string")

        if method == EXIT:
            return self.exit_status
        if not self.initialized and method != INITIALIZE:
            if is_request:
                self.answer_error(
                    ident,
                    ErrorCodes.ServerNotInitialized,
                    f"the server is not initialized: send 'initialize' before {method!r}",
                )
            return None  # notifications before initialize are dropped
        if method == INITIALIZE and (self.initialized or not is_request):
            return self._invalid(ident if is_request else False, "'initialize' is sent once")
        if self.shut_down:
            if is_request:
                self.answer_error(
                    ident, ErrorCodes.InvalidRequest, "the server is shut down: only 'exit' is left"
                )
            return None

        handed = self._dispatch(value, ident if is_request else None)
        if method == INITIALIZE:
            self.initialized = _has_workspace(self.protocol)
        elif method == SHUTDOWN and handed:
            self.shut_down = True
        return None

    def _dispatch(self, value: dict[str, Any], ident: int | str | None) -> bool:
        """Structure the message with pygls' types and run its handler; answer what fails.
        False when the message could not be handed to a handler."""
        method = value.get("method", "a response")
        try:
            message = self.protocol.structure_message(value)
        except JsonRpcInvalidParams as exc:
            detail = _validation_detail(exc.__cause__)
            logger.warning("invalid params for %s: %s", method, detail)
            if ident is not None:
                self.answer_error(
                    ident, ErrorCodes.InvalidParams, f"invalid params for {method}: {detail}"
                )
            return False
        except Exception as exc:  # noqa: BLE001 - whatever the message holds: answer, go on
            logger.warning("cannot read %s: %s: %s", method, type(exc).__name__, exc)
            if ident is not None:
                self.answer_error(ident, ErrorCodes.InvalidRequest, f"cannot read {method}")
            return False
        try:
            self.protocol.handle_message(message)
        except BrokenPipeError:
            raise
        except Exception as exc:  # noqa: BLE001 - pygls answers what its handlers raise
            logger.exception("handling %s failed", method)
            if ident is not None:
                self.answer_error(
                    ident, ErrorCodes.InternalError, f"{method} failed: {type(exc).__name__}"
                )
            return False
        return True

    def _invalid(self, ident: int | str | None | bool, reason: str) -> None:
        """Answer InvalidRequest (``ident`` False: a notification, which gets no answer)."""
        logger.warning("invalid message: %s", reason)
        if ident is not False:
            self.answer_error(ident, ErrorCodes.InvalidRequest, f"Invalid request: {reason}")

    def answer_error(self, ident: int | str | None, code: ErrorCodes, message: str) -> None:
        """Send a JSON-RPC error response (``ident`` None: the request could not be read)."""
        body = json.dumps(
            {"jsonrpc": "2.0", "id": ident, "error": {"code": int(code), "message": message}}
        ).encode("utf-8")
        self._write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


def _request_id(value: dict[str, Any]) -> int | str | None:
    """The message's id when it is one LSP allows (an integer or a string)."""
    ident = value.get("id")
    if isinstance(ident, str) or (isinstance(ident, int) and not isinstance(ident, bool)):
        return ident
    return None


def _validation_detail(error: BaseException | None) -> str:
    """cattrs' account of what did not fit (``invalid value @ $.params.range.start``)."""
    try:
        from cattrs import transform_error

        details = transform_error(error) if isinstance(error, Exception) else []
    except Exception:  # noqa: BLE001 - only an error message is at stake
        details = []
    return "; ".join(details[:3]) or "they do not fit the method's parameters"


def _has_workspace(protocol: LanguageServerProtocol) -> bool:
    try:
        protocol.workspace  # noqa: B018 - raises until initialize has succeeded
    except RuntimeError:
        return False
    return True


async def serve(stream: BinaryIO, dispatcher: Dispatcher) -> int:
    """Read messages from ``stream`` until ``exit`` or the end of the input; the exit status.

    The blocking reads run on a thread of their own, one at a time: while the loop waits
    for input, pygls' handlers and the lint results run on the event loop. After ``exit`` no
    read is pending, so the process can end at once.
    """
    loop = asyncio.get_running_loop()
    read = getattr(stream, "read1", None) or stream.read
    reader = MessageReader()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xentlint-stdin")
    try:
        while True:
            try:
                data = await loop.run_in_executor(pool, read, CHUNK_BYTES)
            except (OSError, ValueError) as exc:  # stdin closed or broken
                logger.warning("reading the input failed: %s", exc)
                data = b""
            for event in reader.feed(data) if data else reader.close():
                status = dispatcher.handle(event)
                if status is not None:
                    return status
            if not data:
                logger.info("the input ended")
                return dispatcher.exit_status
    finally:
        pool.shutdown(wait=False)
