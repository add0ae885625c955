"""WeasyPrint rendering, with a URL fetcher that reads only the portal's own files.

``render`` turns an HTML string into PDF bytes in the calling process (a request for a
sheet or a small dossier, the task worker for a large dossier). Its URL fetcher only
serves files under the allowed folders (the portal's static files and derived images) and
``data:`` URIs: no network, no ``file://`` elsewhere, no redirects. The process keeps one
font configuration and each parsed stylesheet for all the documents it renders.

A pool of rendering processes used to do this; rendering in the caller measured as fast
(bench/README.md, "Engines and their plain alternatives").
"""

import os
import ssl
from functools import cache
from urllib.request import url2pathname

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher


class RenderTimeout(Exception):
    """A PDF that another request is rendering did not appear in time."""


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


@cache
def _font_config() -> FontConfiguration:
    """This process's fonts: the stylesheets' ``@font-face`` fonts are loaded into it once,
    and Pango keeps its fonts and shaping caches from one document to the next."""
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


def render(html: str, base_url: str, allowed_roots: list[str], stylesheets=()) -> bytes:
    """The PDF of ``html`` with ``stylesheets`` (URLs); relative URLs resolve against
    ``base_url`` (a file:// URL)."""
    document = HTML(string=html, base_url=base_url, url_fetcher=SafeURLFetcher(allowed_roots))
    # The shipped fonts are small subsets already, so WeasyPrint's own subsetting is quick;
    # it also writes the glyph-to-text maps that keep Arabic text searchable and copyable.
    return document.write_pdf(
        stylesheets=[_stylesheet(url, allowed_roots) for url in stylesheets],
        font_config=_font_config(),
    )
