"""WeasyPrint rendering, kept free of Django so that it can run in a worker process.

``render`` turns an HTML string into PDF bytes with a URL fetcher that only serves files
under the allowed folders (the portal's static and media files) and ``data:`` URIs: no
network, no ``file://`` elsewhere, no redirects. ``RenderPool`` runs it in a separate,
long-lived process so that a rendering that overruns its time bound can be killed.
"""

import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from multiprocessing import get_context
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.urls import URLFetcher


class RenderTimeout(Exception):
    """The rendering took longer than allowed and was stopped."""


class SafeURLFetcher(URLFetcher):
    """Serve ``data:`` URIs and files under ``allowed_roots``; refuse everything else."""

    def __init__(self, allowed_roots, **kwargs):
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


def render(html: str, base_url: str, allowed_roots: list[str]) -> bytes:
    """The PDF of ``html``; relative URLs resolve against ``base_url`` (a file:// URL)."""
    fetcher = SafeURLFetcher(allowed_roots)
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    # The shipped fonts are small subsets already, so WeasyPrint's own subsetting is quick;
    # it also writes the glyph-to-text maps that keep Arabic text searchable and copyable.
    return document.write_pdf()


class RenderPool:
    """Warm worker processes for PDF rendering, replaced if a rendering overruns."""

    def __init__(self, workers: int = 2):
        self.workers = workers
        self._executor = None
        self._lock = threading.Lock()

    def _get(self):
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=get_context("spawn")
                )
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
        return self.render_many([html], base_url, allowed_roots, timeout)[0]

    def render_many(
        self, documents: list[str], base_url: str, allowed_roots: list[str], timeout: float
    ) -> list[bytes]:
        """Several documents side by side on the workers, all within ``timeout`` seconds."""
        executor = self._get()
        futures = [executor.submit(render, html, base_url, allowed_roots) for html in documents]
        deadline = time.monotonic() + timeout
        try:
            return [f.result(timeout=max(0.0, deadline - time.monotonic())) for f in futures]
        except FutureTimeout:
            self._kill(executor)
            raise RenderTimeout(f"PDF rendering took longer than {timeout} s") from None
        except Exception:
            # A broken worker (killed, out of memory) is replaced at the next call.
            if getattr(executor, "_broken", False):
                self._kill(executor)
            raise


pool = RenderPool(workers=min(2, os.cpu_count() or 1))
