"""The pygls layer of ``netcheck lsp``: open documents, debounced checks off the event loop, the requests.

Every open document is checked when it opens and again ``DEBOUNCE`` seconds
after the last change (and on save, which may follow a change of
``[tool.netcheck]``). Each open document has a thread of its own that runs
its checks one at a time, so the event loop keeps reading messages while a
big spec is checked, and a 100,000-layer spec being checked delays no other
document's answers; a check whose text has changed since it was asked for is
skipped. Each change counts one generation: diagnostics are published only
for the newest text and never after those of a newer one (a stale result is
dropped, it never overwrites), with the client's version of the text.

A check comes in two steps when it must: first without the engine's fix
search (what costs most in a file with errors), published at once; then,
only if a violation can have such fixes and the typing has paused for
``FIX_DELAY`` seconds, with it, published again for the same version with
the fixes named in the messages. So the underline follows each keystroke at
the speed of a check of a valid file, and no keystroke waits behind a fix
search of a text already typed over (a check cannot be stopped once it
runs). Hover and inlay hints use the first step; code actions ask for the
second at once (each step runs once per text, whoever asks). Nothing a
document contains stops the server: the check is netcheck's own, with the
CLI's limits, and every handler answers "nothing" rather than fail.

Documents are synchronized whole (``TextDocumentSyncKind.Full``), so the text
checked is exactly the client's, whatever line breaks it contains.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from netcheck import __version__
from netcheck.lsp import features

#: Seconds of quiet after a change before the document is checked again.
DEBOUNCE = 0.05
#: Seconds of quiet after the first step's diagnostics before the fixes are searched (see above).
FIX_DELAY = 0.4
#: The stack of the checking thread: what the CLI's main thread has, and more (nesting is bounded anyway).
STACK_SIZE = 64 * 1024 * 1024

logger = logging.getLogger("netcheck.lsp")
T = TypeVar("T")


@dataclass(slots=True)
class Checked:
    """One check of one text: the analysis and its diagnostics, as they will be published."""

    analysis: features.Analysis
    diagnostics: list[types.Diagnostic]

    @property
    def stage(self) -> tuple[int, bool]:
        """Its text's generation, then whether it is complete (fixes searched): later stages are newer."""
        return self.analysis.generation, self.analysis.complete


@dataclass(slots=True)
class OpenDocument:
    """An open document: its text, the client's version, the server's count of changes, its check."""

    uri: str
    text: str
    version: int | None
    path: str | None
    generation: int = 0
    published: tuple[int, bool] = (-1, False)  # the stage whose diagnostics were published last
    timer: asyncio.TimerHandle | None = None  # the next check
    fix_timer: asyncio.TimerHandle | None = None  # the next fix search
    jobs: dict[bool, tuple[int, asyncio.Future[Checked | None]]] = field(default_factory=dict)  # by completeness
    checked: Checked | None = None  # the newest check
    worker: Worker | None = None  # the thread that checks it, started on the first check
    closed: bool = False

    def run(self, work: Callable[[], T]) -> asyncio.Future[T]:
        """Run ``work`` on the document's thread, after what was asked of it before (fails once it is closed)."""
        if self.closed:
            future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
            future.set_exception(RuntimeError(f"{self.uri} is closed"))
            return future
        if self.worker is None:
            self.worker = Worker()
        return self.worker.submit(work)

    def close(self) -> None:
        """No more checks: the thread ends after those already asked for (which are then skipped)."""
        self.closed = True
        self.generation += 1
        if self.worker is not None:
            self.worker.stop()
            self.worker = None


class Worker:
    """One daemon thread that runs one document's checks in order (an exit never waits for a check in progress)."""

    def __init__(self) -> None:
        """Start the thread."""
        self.jobs: queue.SimpleQueue[tuple[asyncio.AbstractEventLoop, asyncio.Future[Any], Callable[[], Any]] | None] \
            = queue.SimpleQueue()
        previous = threading.stack_size()
        with contextlib.suppress(ValueError, RuntimeError):  # a platform that does not let the size be set
            threading.stack_size(STACK_SIZE)
        try:
            self.thread = threading.Thread(target=self._run, name="netcheck-checks", daemon=True)
            self.thread.start()
        finally:
            threading.stack_size(previous)

    def submit(self, work: Callable[[], T]) -> asyncio.Future[T]:
        """Run ``work`` on the thread; its result (or exception) arrives on the running loop's future."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self.jobs.put((loop, future, work))
        return future

    def stop(self) -> None:
        """End the thread once the jobs already asked for are done."""
        self.jobs.put(None)

    def _run(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            loop, future, work = job
            result, error = None, None
            try:
                result = work()
            except BaseException as caught:  # handed to the awaiting handler, which answers "nothing"
                error = caught
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the loop is closed: the server is exiting
                return


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class NetcheckServer(LanguageServer):
    """The language server: pygls's, with netcheck's open documents and checking thread."""

    def __init__(self) -> None:
        """A server that has not started."""
        super().__init__("netcheck", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.documents: dict[str, OpenDocument] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.debounce = DEBOUNCE
        self.fix_delay = FIX_DELAY
        self.shutdown_requested = False

    # What the client said it can take.

    @property
    def encoding(self) -> str:
        """The position encoding agreed at initialization (UTF-16 before it)."""
        try:
            chosen = self.server_capabilities.position_encoding
        except AttributeError:
            return features.UTF16
        return str(getattr(chosen, "value", chosen)) if chosen else features.UTF16

    def _client(self, path: str, default: Any) -> Any:
        try:
            return get_capability(self.client_capabilities, path, default)
        except AttributeError:
            return default

    @property
    def related(self) -> bool:
        """The client shows a diagnostic's related information."""
        return bool(self._client("text_document.publish_diagnostics.related_information", False))

    @property
    def links(self) -> bool:
        """The client takes a diagnostic's ``codeDescription`` (unless it says it does not)."""
        return self._client("text_document.publish_diagnostics.code_description_support", None) is not False

    @property
    def markdown(self) -> bool:
        """The client renders Markdown in hovers."""
        formats = self._client("text_document.hover.content_format", None)
        return formats is None or types.MarkupKind.Markdown in formats

    @property
    def document_changes(self) -> bool:
        """The client takes versioned document edits in a workspace edit."""
        return bool(self._client("workspace.workspace_edit.document_changes", False))

    # Documents.

    def opened(self, item: types.TextDocumentItem) -> None:
        """A document was opened: check it now."""
        self._forget(item.uri)
        document = OpenDocument(item.uri, item.text, item.version, to_fs_path(item.uri) if item.uri else None)
        self.documents[item.uri] = document
        self._schedule(document, 0)

    def changed(self, params: types.DidChangeTextDocumentParams) -> None:
        """A document changed: the last full text counts; check it once the typing pauses."""
        document = self.documents.get(params.text_document.uri)
        if document is None or not params.content_changes:
            return
        document.text = params.content_changes[-1].text
        document.version = params.text_document.version
        document.generation += 1
        self._schedule(document, self.debounce)

    def saved(self, uri: str) -> None:
        """A document was saved: check it again (its configuration may have changed)."""
        document = self.documents.get(uri)
        if document is not None:
            document.generation += 1
            self._schedule(document, 0)

    def closed(self, uri: str) -> None:
        """A document was closed: forget it and clear its diagnostics."""
        if self._forget(uri):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

    def _forget(self, uri: str) -> bool:
        document = self.documents.pop(uri, None)
        if document is None:
            return False
        self._cancel(document)
        document.close()
        return True

    def _cancel(self, document: OpenDocument) -> None:
        for timer in (document.timer, document.fix_timer):
            if timer is not None:
                timer.cancel()
        document.timer = document.fix_timer = None

    def _schedule(self, document: OpenDocument, delay: float) -> None:
        self._cancel(document)
        loop = asyncio.get_running_loop()
        document.timer = loop.call_later(delay, self._spawn, document, document.generation, False)

    def _spawn(self, document: OpenDocument, generation: int, complete: bool) -> None:
        task = asyncio.ensure_future(self._publish(document, generation, complete))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _publish(self, document: OpenDocument, generation: int, complete: bool) -> None:
        """Check the document and publish its diagnostics; after the first step, schedule the second if needed."""
        try:
            checked = await self.checked(document, generation, complete)
            if checked is None or not self.send(document, checked) or checked.analysis.complete:
                return
            loop = asyncio.get_running_loop()
            document.fix_timer = loop.call_later(self.fix_delay, self._spawn, document, generation, True)
        except Exception:
            logger.exception("netcheck: could not check %s", document.uri)

    def send(self, document: OpenDocument, checked: Checked) -> bool:
        """Publish ``checked``'s diagnostics unless the document changed or a later stage went out; True if sent."""
        if self.documents.get(document.uri) is not document or checked.analysis.generation != document.generation:
            return False  # stale: the newer text's check publishes
        if checked.stage <= document.published:
            return False
        document.published = checked.stage
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            document.uri, checked.diagnostics, checked.analysis.version))
        return True

    async def checked(self, document: OpenDocument, generation: int | None = None,
                      complete: bool = False) -> Checked | None:
        """The check of the document's text at ``generation`` (its current one by default); None if it is stale.

        ``complete``: with the engine's fixes searched (code actions need
        them). Every request about one text shares each step's one check: the
        first asks the worker, the others wait for the same future.
        """
        wanted = document.generation if generation is None else generation
        if wanted != document.generation:
            return None
        have = document.checked
        if have is not None and have.analysis.generation == wanted and (have.analysis.complete or not complete):
            return have
        job = document.jobs.get(complete)
        if job is None or job[0] != wanted:
            job = (wanted, document.run(self._check_job(document, wanted, complete)))
            document.jobs[complete] = job
        result = await asyncio.shield(job[1])
        if result is None:
            return None
        if document.checked is None or result.stage > document.checked.stage:
            document.checked = result
        return result if result.analysis.generation == wanted else None

    def _check_job(self, document: OpenDocument, generation: int, complete: bool) -> Callable[[], Checked | None]:
        text, version, path, uri = document.text, document.version, document.path, document.uri
        encoding, related, links = self.encoding, self.related, self.links

        def work() -> Checked | None:
            if document.generation != generation:
                return None  # changed (or closed) while queued: the newer text is checked instead
            analysis = features.analyze(text, path, encoding=encoding, generation=generation, version=version,
                                        fixes=complete)
            return Checked(analysis, features.diagnostics(analysis, uri, related, links))

        return work



def create_server() -> NetcheckServer:
    """A server with every feature registered (not started: ``start`` runs it on stdio)."""
    server = NetcheckServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        server.opened(params.text_document)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        server.changed(params)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        server.saved(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        server.closed(params.text_document.uri)

    @server.feature(types.SHUTDOWN)
    def shutdown(params: Any) -> None:
        server.shutdown_requested = True

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(params: types.HoverParams) -> types.Hover | None:
        checked = await _current(server, params.text_document.uri)
        if checked is None:
            return None
        return _guarded(lambda: features.hover(checked.analysis, params.position, server.markdown), None)

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    async def inlay_hint(params: types.InlayHintParams) -> list[types.InlayHint] | None:
        checked = await _current(server, params.text_document.uri)
        if checked is None:
            return None
        return _guarded(lambda: features.inlay_hints(checked.analysis, params.range), None)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    async def code_action(params: types.CodeActionParams) -> list[types.CodeAction] | None:
        only = params.context.only
        if only and not any(types.CodeActionKind.QuickFix.value.startswith(str(kind)) for kind in only):
            return None
        uri = params.text_document.uri
        checked = await _current(server, uri, complete=True)
        if checked is None:
            return None
        document = server.documents.get(uri)
        if document is None:
            return None
        server.send(document, checked)  # the fixes are searched now: the messages may name them at once
        analysis, changes, related, links = checked.analysis, server.document_changes, server.related, server.links
        try:
            return await document.run(lambda: features.code_actions(
                analysis, uri, params.range, document_changes=changes, related=related, links=links))
        except Exception:
            logger.exception("netcheck: no code actions for %s", uri)
            return None

    return server


async def _current(server: NetcheckServer, uri: str, complete: bool = False) -> Checked | None:
    document = server.documents.get(uri)
    if document is None:
        return None
    try:
        return await server.checked(document, complete=complete)
    except Exception:
        logger.exception("netcheck: could not check %s", uri)
        return None


def _guarded(work: Callable[[], T], fallback: T) -> T:
    """``work()``, or ``fallback`` (logged) if it fails: a request is answered with nothing, never an error."""
    try:
        return work()
    except Exception:
        logger.exception("netcheck: a request failed")
        return fallback


def start() -> int:
    """Serve on stdin and stdout until the client says exit (or closes stdin); the exit status.

    Standard output carries the protocol alone: anything else printed goes
    to standard error. The status is 0 after ``shutdown``, else 1, as the
    protocol asks.
    """
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s")
    server = create_server()
    server.start_io(stdin, stdout)
    return 0 if server.shutdown_requested else 1
