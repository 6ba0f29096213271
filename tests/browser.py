"""Headless Chromium for the tests that need a real browser (Debian package ``chromium``)."""

from __future__ import annotations

import shutil
from pathlib import Path

#: The browser, or ``None`` where it is not installed (those tests skip, or fail in CI).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_command(profile: Path, *arguments: str) -> list[str]:
    """A headless Chromium command line that stays on this machine.

    Run as root in CI (hence no sandbox), with a fresh profile, and with every background
    service off: this machine has no network, and nothing may leave it anyway (host names
    other than the loopback addresses used by the tests fail to resolve at once).
    """
    assert CHROMIUM is not None, "chromium is not installed"
    return [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
        *arguments,
    ]
