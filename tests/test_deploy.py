"""The nightly run as shipped in examples/nightly/: the systemd units, checked by systemd's own
tools, and the crontab, consistent with them.

``systemd-analyze verify`` loads the units as systemd would (syntax, every setting known to
this systemd, the program to run, the service the timer starts); ``systemd-analyze security
--offline=true`` scores the service's sandbox. Both read the unit files alone: no running
systemd is needed and nothing is started. Where systemd-analyze is missing, or too old for
``--offline`` (systemd 250), those tests are skipped and say what to install.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.golden import ROOT

NIGHTLY = ROOT / "examples" / "nightly"
SERVICE = NIGHTLY / "feedgen-miit.service"
TIMER = NIGHTLY / "feedgen-miit.timer"
CRONTAB = NIGHTLY / "crontab"
#: The program both the unit and the crontab run: the README's virtual environment.
PROGRAM = "/srv/news/.venv/bin/feedgen-miit"
#: The worst overall exposure accepted: "OK" (systemd calls 2.0 and below "SAFE" or "OK").
MAX_EXPOSURE = 2.0
#: systemd-analyze only reads files, but a broken installation must not hang the suite.
TIMEOUT = 60

# Not always on a non-root PATH (Debian puts it in /usr/bin, but look in sbin too).
SYSTEMD_ANALYZE = shutil.which(
    "systemd-analyze", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
)


def _systemd_version() -> int:
    """The major version of the installed systemd, 0 when it cannot be told."""
    if SYSTEMD_ANALYZE is None:
        return 0
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "--version"], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    match = re.match(r"systemd (\d+)", result.stdout)
    return int(match.group(1)) if match else 0


SYSTEMD_VERSION = _systemd_version()

needs_systemd_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None or SYSTEMD_VERSION < 250,
    reason=(
        "needs systemd-analyze from systemd 250 or newer (for --offline); "
        "Debian: apt-get install systemd"
        if SYSTEMD_ANALYZE is None
        else f"systemd {SYSTEMD_VERSION} is too old for systemd-analyze security --offline (250)"
    ),
)


def _analyze(*arguments: str) -> subprocess.CompletedProcess[str]:
    """Run systemd-analyze in a UTF-8 locale (its tables mark settings with ✓ and ✗)."""
    assert SYSTEMD_ANALYZE is not None
    return subprocess.run(
        [SYSTEMD_ANALYZE, *arguments],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env={**os.environ, "LC_ALL": "C.UTF-8", "SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0"},
    )


def _settings(unit: Path) -> dict[str, list[str]]:
    """Every ``Key=value`` of a unit file, by key, in order (comments and sections left out)."""
    settings: dict[str, list[str]] = {}
    for line in unit.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


# -- systemd-analyze ------------------------------------------------------------------------


@needs_systemd_analyze
def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify insists that ExecStart's program exists, and /srv/news/.venv is not on this
    # machine. A copy of the unit runs this checkout's own feedgen-miit instead, with the same
    # arguments, so that verify checks everything else for real rather than stopping there.
    installed = Path(sys.executable).parent / "feedgen-miit"
    assert installed.is_file(), f"{installed} is missing: run make install first"
    text = SERVICE.read_text(encoding="utf-8")
    assert text.count(f"ExecStart={PROGRAM} ") == 1
    (tmp_path / SERVICE.name).write_text(
        text.replace(f"ExecStart={PROGRAM} ", f"ExecStart={installed} "), encoding="utf-8"
    )
    shutil.copy(TIMER, tmp_path / TIMER.name)  # beside it: the timer's Unit= is the service

    result = _analyze("verify", str(tmp_path / SERVICE.name), str(tmp_path / TIMER.name))

    output = result.stdout + result.stderr
    # verify exits 0 even for an unknown key or a bad value: it only prints them. So ours must
    # draw no remark at all (other units of this machine may draw some).
    assert result.returncode == 0, output
    assert not [line for line in output.splitlines() if "feedgen-miit" in line], output


@needs_systemd_analyze
def test_the_service_is_hardened_to_ok_or_better() -> None:
    # --threshold is in tenths: the command itself fails above 2.0, too.
    threshold = f"--threshold={round(MAX_EXPOSURE * 10)}"
    result = _analyze("security", "--offline=true", threshold, str(SERVICE))

    match = re.search(
        r"Overall exposure level for feedgen-miit\.service: (\d+\.\d+) (\w+)", result.stdout
    )
    assert match, result.stdout + result.stderr
    score, verdict = float(match.group(1)), match.group(2)
    print(f"systemd-analyze security --offline=true {SERVICE.name}: {score} {verdict}")
    assert score <= MAX_EXPOSURE, result.stdout
    assert verdict in {"SAFE", "OK"}
    assert result.returncode == 0, result.stderr


@needs_systemd_analyze
def test_the_sandbox_keeps_what_matters_most() -> None:
    # The score alone would let one of these go while others make up for it.
    result = _analyze("security", "--offline=true", "--json=short", str(SERVICE))
    assert result.returncode == 0, result.stderr
    checks = {check["name"]: check["set"] for check in json.loads(result.stdout)}
    essential = [
        "PrivateNetwork=",
        "RestrictAddressFamilies=~AF_(INET|INET6)",
        "IPAddressDeny=",
        "User=/DynamicUser=",
        "NoNewPrivileges=",
        "CapabilityBoundingSet=~CAP_SYS_ADMIN",
        "AmbientCapabilities=",
        "ProtectSystem=",
        "ProtectHome=",
        "PrivateTmp=",
        "PrivateDevices=",
        "ProtectKernelTunables=",
        "ProtectKernelModules=",
        "ProtectKernelLogs=",
        "ProtectControlGroups=",
        "MemoryDenyWriteExecute=",
        "LockPersonality=",
        "RestrictNamespaces=~user",
        "RestrictRealtime=",
        "RestrictSUIDSGID=",
        "SystemCallArchitectures=",
        "SystemCallFilter=~@privileged",
        "SystemCallFilter=~@resources",
        "SystemCallFilter=~@mount",
        "SystemCallFilter=~@debug",
    ]
    assert {name: checks.get(name) for name in essential} == dict.fromkeys(essential, True)


# -- what the unit promises, read from the files --------------------------------------------


def test_the_first_start_needs_no_folder_made_in_advance() -> None:
    # ReadWritePaths= of a folder that does not exist yet fails the unit (226/NAMESPACE):
    # the output folder is the StateDirectory= systemd creates, and the build is pointed at it.
    settings = _settings(SERVICE)
    assert "ReadWritePaths" not in settings
    assert settings["StateDirectory"] == ["feedgen-miit"]
    assert settings["StateDirectoryMode"] == ["0755"]  # the web server reads it
    assert settings["ExecStart"] == [f"{PROGRAM} build --out ${{STATE_DIRECTORY}}"]
    # The cache and lock go to $CACHE_DIRECTORY by themselves: no cache_dir to set.
    assert settings["CacheDirectory"] == ["feedgen-miit"]
    assert settings["SuccessExitStatus"] == ["3"]
    assert settings["UMask"] == ["0022"]


def test_cron_and_systemd_run_the_same_program_in_the_same_folder() -> None:
    settings = _settings(SERVICE)
    lines = [
        line
        for line in CRONTAB.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(lines) == 1, lines
    command = shlex.split(lines[0].split(None, 5)[5])  # after the five time fields
    assert command[:2] == ["cd", settings["WorkingDirectory"][0]]
    assert PROGRAM in command
    assert command[command.index(PROGRAM) + 1] == "build"
