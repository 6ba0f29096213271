"""Getting the published feeds to readers: refresh hints, precompressed copies, WebSub pings.

A nightly job publishes at a known moment; readers learn of it when they next poll, unless
they are told:

- **Refresh hints** (:func:`refresh_hints`): how often the feeds change, for the feeds to
  say (RSS ``ttl``, ``sy:updatePeriod``/``sy:updateFrequency`` in RSS and Atom). Miniflux
  reads ``ttl``; Liferea averages ``ttl`` and ``sy:``.
- **Precompressed copies** (:func:`compressed`): ``NAME.gz`` (and ``NAME.br`` when the
  ``brotli`` package is installed) beside each text file, which nginx (``gzip_static``) and
  Caddy (``precompressed``) send as they are. Deterministic: the gzip header holds no name
  and no time, so an unchanged file gives unchanged bytes, and nothing is rewritten.
- **WebSub** (:func:`notify_hubs`): after a build that changed a feed's bytes, a publish
  notification to each configured hub (``hub.mode=publish``, ``hub.url=<feed>``), with a
  short timeout and a bounded retry. A hub that fails costs a warning, never the build: the
  feeds are out, and readers still poll. The only network access a build makes.
"""

from __future__ import annotations

import gzip
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from ._version import __version__

log = logging.getLogger(__name__)

#: File kinds worth sending compressed: every text file a build writes.
COMPRESSIBLE = (".xml", ".html", ".json", ".opml", ".xsl")
#: Seconds a hub has to answer one request.
HUB_TIMEOUT = 10.0
#: Requests per notification before giving up (the first, then retries).
HUB_ATTEMPTS = 2
#: Seconds between two attempts.
HUB_RETRY_DELAY = 1.0
#: Seconds a build waits for all its hubs together: 12 feeds told a hub that answered each
#: in 9 s held a build 108 s, and one that sent a header line every 3 s held it for good.
HUB_DEADLINE = 30.0


@dataclass(frozen=True, slots=True)
class RefreshHint:
    """How often the feeds change, in the words of RSS and of the syndication module."""

    ttl_minutes: int  #: RSS ``ttl``
    period: str  #: ``sy:updatePeriod``
    frequency: int  #: ``sy:updateFrequency``: so many times per period


_HINTS: Mapping[str, RefreshHint] = {
    "hourly": RefreshHint(60, "hourly", 1),
    "daily": RefreshHint(1440, "daily", 1),
    "weekly": RefreshHint(10080, "weekly", 1),
}


def refresh_hints(schedule: str) -> RefreshHint:
    """The hint for ``schedule`` (``hourly``, ``daily``, ``weekly``)."""
    return _HINTS[schedule]


def compressed(data: bytes) -> dict[str, bytes]:
    """The precompressed copies of ``data``, by suffix: ``.gz`` always, ``.br`` when the
    optional ``brotli`` package is installed."""
    copies = {".gz": gzip.compress(data, compresslevel=9, mtime=0)}
    brotli = _brotli()
    if brotli is not None:
        copies[".br"] = brotli(data, quality=BROTLI_QUALITY)
    return copies


#: Brotli's quality for the copies: nginx's own default. Measured on 50 article pages and
#: four 400 kB feeds (1.5 MB): quality 11 gives 115 kB in 5.9 s, 9 gives 124 kB in 0.76 s,
#: 6 gives 127 kB in 0.06 s. A cold build of 2,000 articles spent 230 of its 311 s at 11.
BROTLI_QUALITY = 6
#: Every suffix a copy can have, produced or not (a build removes the ones it did not write).
COPY_SUFFIXES = (".gz", ".br")


@cache
def _brotli() -> Callable[..., bytes] | None:
    try:
        import brotli  # noqa: PLC0415 - optional, and only when a build compresses
    except ImportError:
        return None
    compress: Callable[..., bytes] = brotli.compress
    return compress


def compressors() -> tuple[str, ...]:
    """The suffixes of the copies this installation writes (part of what outputs depend on)."""
    return (".gz", ".br") if _brotli() is not None else (".gz",)


def notify_hubs(hubs: Sequence[str], feeds: Sequence[str]) -> list[str]:
    """Tell each hub that each feed (an absolute URL) changed; return one warning per hub
    that failed, naming it, the error, and how many feeds it was not told of.

    The hubs are told at once, each in a thread of its own, and a build waits at most
    :data:`HUB_DEADLINE` seconds for all of them: a hub that answers each request slowly,
    or trickles its answer a byte at a time (each read within :data:`HUB_TIMEOUT`), must not
    hold a nightly build. A hub that fails once is not asked again in this build.
    """
    told: dict[str, int] = dict.fromkeys(hubs, 0)
    errors: dict[str, str] = {}

    def tell(hub: str) -> None:
        for feed in feeds:
            error = _notify(hub, feed)
            if error is not None:
                errors[hub] = error
                return
            told[hub] += 1
            log.info("told %s that %s changed", hub, feed)

    threads = [threading.Thread(target=tell, args=(hub,), daemon=True) for hub in hubs]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + HUB_DEADLINE
    failures: list[str] = []
    for hub, thread in zip(hubs, threads, strict=True):
        # A thread still waiting on its hub is left behind; it dies with the process.
        thread.join(max(0.0, deadline - time.monotonic()))
        error = f"no answer within {HUB_DEADLINE:g} s" if thread.is_alive() else errors.get(hub)
        if error is not None:
            failures.append(
                f"WebSub hub {hub} was not told of {len(feeds) - told[hub]} changed feed(s) "
                f"({error}); readers subscribed through it learn at their next poll"
            )
    return failures


def _notify(hub: str, feed: str) -> str | None:
    """One publish notification, retried once; None when the hub took it."""
    # Here, not at the top: only an operator's hub needs them, and they (with the email
    # parsers they load) cost every build about 13 ms of start-up.
    import http.client  # noqa: PLC0415
    import urllib.error  # noqa: PLC0415
    import urllib.parse  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": feed}).encode()
    request = urllib.request.Request(  # noqa: S310 - the operator's hub, http(s) only
        hub,
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": f"feedgen-miit/{__version__}",
        },
        method="POST",
    )
    error = "no attempt"
    for attempt in range(HUB_ATTEMPTS):
        if attempt:
            time.sleep(HUB_RETRY_DELAY)
        try:
            with urllib.request.urlopen(request, timeout=HUB_TIMEOUT) as response:  # noqa: S310
                if 200 <= response.status < 300:
                    return None
                error = f"HTTP {response.status}"
        except urllib.error.HTTPError as refused:
            refused.close()
            error = f"HTTP {refused.code} {refused.reason}"
            if refused.code < 500:
                return error  # the hub refuses: asking again changes nothing
        except (urllib.error.URLError, http.client.HTTPException, OSError) as failed:
            # HTTPException: an answer that is not HTTP, or has more than 100 header lines
            reason = getattr(failed, "reason", failed)
            error = f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
    return error
