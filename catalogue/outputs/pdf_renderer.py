"""WeasyPrint rendering, kept free of Django so that it can run in a worker process.

``render`` turns an HTML string into PDF bytes with a URL fetcher that only serves files
under the allowed folders (the portal's static and media files) and ``data:`` URIs: no
network, no ``file://`` elsewhere, no redirects. ``render_parts`` lays a document out once
and writes it as several PDFs (one per project sheet); ``render_numbered`` renders a
document whose page numbers depend on its own length. ``RenderPool`` runs them in
separate, long-lived processes, started and warmed up together, so that a rendering that
overruns its time bound can be killed. Each process parses the stylesheet and loads its
fonts once, for all the documents it renders.
"""

import functools
import gc
import os
import re
import ssl
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import cache
from multiprocessing import get_context
from urllib.request import url2pathname

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher


class RenderTimeout(Exception):
    """The rendering took longer than allowed and was stopped."""


@cache
def _no_tls() -> ssl.SSLContext:
    """A TLS context without certificates: never used (HTTPS is refused), but building the
    default one loads the system's certificates, 30 ms on every document."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class SafeURLFetcher(URLFetcher):
    """Serve ``data:`` URIs and files under ``allowed_roots``; refuse everything else."""

    def __init__(self, allowed_roots, **kwargs):
        kwargs.setdefault("ssl_context", _no_tls())
        super().__init__(allow_redirects=False, allowed_protocols={"data", "file"}, **kwargs)
        self.allowed_roots = [os.path.realpath(root) + os.sep for root in allowed_roots]

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "file":
            path = os.path.realpath(url2pathname(url.split("?")[0].removeprefix("file:")))
            if not any(path.startswith(root) for root in self.allowed_roots):
                raise ValueError(f"Refused: {url} is outside the portal's files")
        elif scheme != "data":
            raise ValueError(f"Refused: {url} (only data: and the portal's own files)")
        return super().fetch(url, headers)


def _without_gc_pauses(function):
    """Run ``function`` with Python's cycle collector off, and collect once after.

    A layout makes hundreds of thousands of objects, and the collector kept walking them
    while they were still in use: a fifth of the rendering time. The worker's own
    long-lived objects are frozen after its warm-up, so the collection after each call
    only visits what the call left behind.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()
            gc.collect()

    return wrapper


@cache
def _font_config() -> FontConfiguration:
    """This process's fonts: the stylesheets' ``@font-face`` fonts are loaded into it once,
    and Pango keeps its fonts and shaping caches from one document to the next (a
    configuration for each document cost a quarter of a sheet's rendering time)."""
    return FontConfiguration()


_stylesheets: dict[tuple, CSS] = {}


def _stylesheet(url: str, allowed_roots: list[str]) -> CSS:
    """The stylesheet at ``url``, parsed once per process (again if its file changes)."""
    path = url2pathname(url.removeprefix("file:")) if url.startswith("file:") else ""
    key = (url, tuple(allowed_roots), os.stat(path).st_mtime_ns if path else None)
    if key not in _stylesheets:
        _stylesheets[key] = CSS(
            url=url, url_fetcher=SafeURLFetcher(allowed_roots), font_config=_font_config()
        )
    return _stylesheets[key]


class _Document:
    """An HTML document with the stylesheets given by URL and this process's fonts."""

    def __init__(self, html: str, base_url: str, allowed_roots: list[str], stylesheets=()):
        self.html = HTML(string=html, base_url=base_url, url_fetcher=SafeURLFetcher(allowed_roots))
        self.options = {
            "stylesheets": [_stylesheet(url, allowed_roots) for url in stylesheets],
            "font_config": _font_config(),
        }

    def render(self):
        return self.html.render(**self.options)

    def write_pdf(self) -> bytes:
        return self.html.write_pdf(**self.options)


@_without_gc_pauses
def render(html: str, base_url: str, allowed_roots: list[str], stylesheets=()) -> bytes:
    """The PDF of ``html`` with ``stylesheets`` (URLs); relative URLs resolve against
    ``base_url`` (a file:// URL)."""
    # The shipped fonts are small subsets already, so WeasyPrint's own subsetting is quick;
    # it also writes the glyph-to-text maps that keep Arabic text searchable and copyable.
    return _Document(html, base_url, allowed_roots, stylesheets).write_pdf()


# In ``render_numbered``, a number that depends on the document's own length.
OWN_LENGTH = re.compile("\ue000(-?[0-9]+)\ue001")


def own_length_marker(offset: int) -> str:
    """Stands for the number of pages of ``render_numbered``'s front matter plus ``offset``."""
    return f"\ue000{offset}\ue001"


@_without_gc_pauses
def render_numbered(
    html: str,
    base_url: str,
    allowed_roots: list[str],
    stylesheets: list[str],
    front_pages: int,
    other_pages: int,
) -> tuple[int, bytes]:
    """The PDF of ``html`` whose numbers depend on the length of its front matter (its
    pages but the last ``other_pages``), and that length.

    ``html`` shows such numbers as ``own_length_marker(offset)``, filled in with
    ``front_pages`` (a guess) plus ``offset``. The numbers take a fixed width, so the
    layout does not depend on their values: a wrong guess costs one more layout.
    """
    for _attempt in range(3):
        filled = OWN_LENGTH.sub(lambda match, base=front_pages: str(base + int(match[1])), html)
        document = _Document(filled, base_url, allowed_roots, stylesheets).render()
        length = len(document.pages) - other_pages
        if length == front_pages:
            break
        front_pages = length
    else:
        raise ValueError("The front matter's length does not settle")
    return front_pages, document.write_pdf()


@_without_gc_pauses
def render_parts(
    html: str, base_url: str, allowed_roots: list[str], stylesheets: list[str], anchors: list[str]
) -> list[bytes]:
    """One PDF per part of ``html``, laid out once.

    Part ``i`` starts on the page that holds the element whose id is ``anchors[i]`` and ends
    before the next part's first page (parts start on a new page). Laying several parts out
    as one document spares WeasyPrint its set-up for each; every part still gets its own
    fonts, so that it stands alone.
    """
    document = _Document(html, base_url, allowed_roots, stylesheets).render()
    starts = []
    wanted = iter(anchors)
    anchor = next(wanted, None)
    for number, page in enumerate(document.pages):
        while anchor is not None and anchor in page.anchors:
            starts.append(number)
            anchor = next(wanted, None)
    if len(starts) != len(anchors):
        raise ValueError("A part's anchor is missing from the document")
    ends = starts[1:] + [len(document.pages)]
    return [
        document.copy(document.pages[start:end]).write_pdf()
        for start, end in zip(starts, ends, strict=True)
    ]


def _warm_up(html: str, base_url: str, allowed_roots: list[str], stylesheets=()) -> None:
    """Run in each new worker: import and exercise WeasyPrint (Pango, fonts, stylesheets)
    before the first real document, so that no visitor pays for it."""
    if html:
        try:
            render(html, base_url, allowed_roots, stylesheets)
        except Exception:  # noqa: BLE001 -- a failed warm-up must not break the pool
            pass
    gc.collect()
    gc.freeze()


def _ready() -> int:
    return os.getpid()


class RenderPool:
    """Warm worker processes for PDF rendering, replaced if a rendering overruns."""

    def __init__(self, workers: int = 2):
        self.workers = workers
        self._executor = None
        self._lock = threading.Lock()

    def _get(self, warm_up=None):
        """The executor; a new one starts all its workers at once, each warming up with
        ``warm_up`` (an HTML document, its base URL and allowed roots)."""
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=get_context("spawn"),
                    initializer=_warm_up,
                    initargs=warm_up or ("", "", [], []),
                )
                # Workers are spawned on demand, one per waiting task: ask for all of them
                # now, so that a dossier does not wait for a second one to start.
                for _ in range(self.workers):
                    self._executor.submit(_ready)
            return self._executor

    def _kill(self, executor):
        with self._lock:
            if self._executor is executor:
                self._executor = None
        for process in list(getattr(executor, "_processes", {}).values()):
            process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    def render(self, html: str, base_url: str, allowed_roots: list[str], timeout: float) -> bytes:
        """One document, within ``timeout`` seconds."""
        return self.run([(render, (html, base_url, allowed_roots))], timeout)[0]

    def run(self, calls, timeout: float, warm_up=None, on_result=None) -> list:
        """The results of ``calls`` (``(function, args)`` pairs, run side by side on the
        workers), all within ``timeout`` seconds. ``on_result(index, result)`` is called as
        each call's result comes back, in order."""
        return self.submit(calls, timeout, warm_up).results(on_result)

    def submit(self, calls, timeout: float, warm_up=None) -> "Batch":
        """Hand ``calls`` to the workers (each as soon as it is made, if ``calls`` is a
        generator); their results are awaited with ``Batch.results``."""
        executor = self._get(warm_up)
        batch = Batch(self, executor, time.monotonic() + timeout, timeout)
        try:
            for function, args in calls:
                batch.futures.append(executor.submit(function, *args))
        except BaseException:
            batch.cancel()
            raise
        return batch


class Batch:
    """Calls handed to the workers, to be finished within a time bound."""

    def __init__(self, pool: RenderPool, executor, deadline: float, timeout: float):
        self.pool = pool
        self.executor = executor
        self.deadline = deadline
        self.timeout = timeout
        self.futures = []

    def cancel(self) -> None:
        for future in self.futures:
            future.cancel()

    def results(self, on_result=None) -> list:
        """The calls' results, in order (see ``RenderPool.run``)."""
        results = []
        try:
            for index, future in enumerate(self.futures):
                results.append(future.result(timeout=max(0.0, self.deadline - time.monotonic())))
                if on_result is not None:
                    on_result(index, results[-1])
            return results
        except FutureTimeout:
            self.pool._kill(self.executor)
            raise RenderTimeout(f"PDF rendering took longer than {self.timeout} s") from None
        except BaseException:
            self.cancel()
            # A broken worker (killed, out of memory) is replaced at the next call.
            if getattr(self.executor, "_broken", False):
                self.pool._kill(self.executor)
            raise


pool = RenderPool(workers=min(2, os.cpu_count() or 1))
