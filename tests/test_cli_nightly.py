"""The command line as cron runs it: silent on success, clear when another build runs, a
progress bar only for a person at a terminal."""

from __future__ import annotations

import os
import pty
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from bench.generate import generate
from feedgen_miit import make_settings
from feedgen_miit.cli import _ProgressBar, main
from feedgen_miit.index import lock_note
from feedgen_miit.publish import output_lock
from tests.conftest import ARTICLE
from tests.golden import EXAMPLES, ROOT
from tests.locks import lock_held


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """An output folder after one successful build of the examples."""
    out = tmp_path / "public"
    result = CliRunner().invoke(main, ["build", str(EXAMPLES), "--out", str(out)])
    assert (result.exit_code, result.output) == (0, "")
    return out


def test_a_clean_run_prints_nothing_and_v_tells_what_it_did(built: Path) -> None:
    runner = CliRunner()
    quiet = runner.invoke(main, ["build", str(EXAMPLES), "--out", str(built)])
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    verbose = runner.invoke(main, ["build", str(EXAMPLES), "--out", str(built), "-v"])
    assert verbose.exit_code == 0
    assert verbose.stdout == ""
    assert verbose.stderr == (
        "feedgen-miit: thumbnail left out of 2 entries: "
        "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png: "
        "an image the cleaning removed from the body (the site's boilerplate)\n"
        "feedgen-miit: 5 entries of 5 articles; 0 files written, 15 unchanged, 0 removed; "
        "0 article pages written, 0 unchanged; "
        "0 article files read, 0 bodies sanitized (the rest from the index)\n"
    )


@pytest.fixture
def held(built: Path) -> Iterator[Path]:
    """The output folder while another process holds its lock."""
    with lock_held(built, lock_note(make_settings(EXAMPLES, output_dir=built))):
        yield built


def test_a_concurrent_run_is_refused_cleanly(held: Path) -> None:
    before = (held / "atom.xml").read_bytes()
    result = CliRunner().invoke(
        main,
        ["build", str(EXAMPLES), "--out", str(held), "--lock-timeout", "0.3", "--title", "新"],
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"feedgen-miit: error: {held}: another feedgen-miit build is writing this output folder "
        "(pid "
    )
    assert "gave up after waiting 0.3 s. Nothing was published." in result.stderr
    assert (held / "atom.xml").read_bytes() == before


def test_no_progress_bar_for_short_work_or_off_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with _ProgressBar() as progress:
        for done in range(1, 11):
            progress("reading articles", done, 10)
    assert capsys.readouterr() == ("", "")


def test_the_progress_bar_shows_on_a_terminal(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    for number in range(_ProgressBar.MINIMUM):
        (articles / f"{number:05d}.txt").write_text(ARTICLE.replace("工信部", f"第{number}"))
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "feedgen_miit",
            "build",
            str(articles),
            "--out",
            str(tmp_path / "public"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        cwd=ROOT,
    ) as process:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the build ended
                break
            if not chunk:
                break
            shown += chunk
        assert process.wait(timeout=120) in {0, 3}
    os.close(leader)
    assert b"reading articles" in shown
    assert f"{_ProgressBar.MINIMUM}/{_ProgressBar.MINIMUM}".encode() in shown or b"100%" in shown


@pytest.mark.parametrize("delay", [0.05, 0.3, 0.6])
def test_a_build_killed_at_any_moment_leaves_a_whole_feed(tmp_path: Path, delay: float) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    for number in range(300):
        (articles / f"{number:04d}.txt").write_text(ARTICLE.replace("工信部", f"第{number}"))
    out = tmp_path / "public"
    command = [sys.executable, "-m", "feedgen_miit", "build", str(articles), "--out", str(out)]
    subprocess.run([*command, "--limit", "5"], check=True, cwd=ROOT)
    old = (out / "atom.xml").read_bytes()
    with subprocess.Popen(command, cwd=ROOT) as process:
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
    published = (out / "atom.xml").read_bytes()
    # No worker outlives the killed build: a forked worker holds the lock file open.
    assert _gone(str(articles), seconds=10)
    subprocess.run(command, check=True, cwd=ROOT, timeout=120)  # the lock is not stale
    new = (out / "atom.xml").read_bytes()
    assert published in {old, new}
    hidden = sorted(path.name for path in out.iterdir() if path.name.startswith("."))
    assert hidden == []  # no leftovers, and no lock or index: they live out of the web root


def _gone(marker: str, *, seconds: float) -> bool:
    """Whether, within ``seconds``, no process has ``marker`` on its command line (Linux)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    deadline = time.monotonic() + seconds
    while True:
        alive = []
        for cmdline in proc.glob("[0-9]*/cmdline"):
            try:
                if marker.encode() in cmdline.read_bytes():
                    alive.append(cmdline.parent.name)
            except OSError:
                continue  # the process ended while we looked
        if not alive:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


#: Builds interrupted at random moments by the interrupt test.
INTERRUPTED_BUILDS = 50


def _handles_sigterm(pid: int) -> bool:
    """Whether the process catches SIGTERM yet: our code runs (Linux's /proc status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True  # it ended already
    caught = int(
        next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1], 16
    )
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def _interrupted_build(
    articles: Path, out: Path, number: signal.Signals, after: float
) -> tuple[int, str, str]:
    """``feedgen-miit build ARTICLES --out OUT`` sent ``number`` ``after`` seconds once its
    own code runs; its exit code, stdout and stderr. Fails the test if it then hangs."""
    command = [sys.executable, "-m", "feedgen_miit", "build", str(articles), "--out", str(out)]
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        deadline = time.monotonic() + 30
        while not _handles_sigterm(process.pid) and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(after)
        process.send_signal(number)
        try:
            stdout, stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail(f"the build hung after {number.name}")
    return process.returncode, stdout, stderr


#: Run as ``python -c``: the program, with the signal ``argv[1]`` raised the moment a handler
#: changes hands (the narrowest window a signal can land in): when the command line takes it
#: over (``argv[2]`` is ``taken``), or when it gives it back once the feed is out (``back``).
_SIGNAL_AS_THE_HANDLER_CHANGES = """
import os, signal, sys
from feedgen_miit.__main__ import main
from feedgen_miit.starting import stop_at_once
real, wanted, moment = signal.signal, signal.Signals[sys.argv[1]], sys.argv[2]
published = os.path.join(sys.argv[-1], "atom.xml")
own = (stop_at_once, signal.SIG_IGN, signal.SIG_DFL)

def signal_then_land(number, handler):
    before = real(number, handler)
    if number == wanted and (
        handler not in own if moment == "taken" else os.path.exists(published)
    ):
        signal.signal = real
        signal.raise_signal(number)
    return before

signal.signal = signal_then_land
sys.argv = ["feedgen-miit", *sys.argv[3:]]
main()
"""


def _landing(number: signal.Signals, moment: str, out: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", _SIGNAL_AS_THE_HANDLER_CHANGES, number.name, moment]
    command += ["build", str(EXAMPLES), "--out", str(out)]
    return subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_landing_as_the_command_line_takes_it_over_ends_in_one_line(
    tmp_path: Path, number: signal.Signals
) -> None:
    # Found by the random interrupts below: a SIGINT inside signal.signal(), just after
    # the handler changed hands, came out as a KeyboardInterrupt traceback (exit -2; a
    # SIGTERM there, as an Interrupted one, exit 1).
    finished = _landing(number, "taken", tmp_path / "public")
    assert (finished.returncode, finished.stdout) == (128 + number, "")
    said = f"feedgen-miit: interrupted by {number.name}: nothing was published\n"
    assert finished.stderr == said
    assert not (tmp_path / "public").exists()


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_landing_once_the_build_is_done_changes_nothing(
    tmp_path: Path, number: signal.Signals
) -> None:
    # The feed is out: a signal landing as the command line lets go must neither say that
    # nothing was published nor turn the exit into 130 or 143.
    finished = _landing(number, "back", tmp_path / "public")
    assert (finished.returncode, finished.stderr) == (0, "")
    assert feedparser.parse((tmp_path / "public" / "atom.xml").read_bytes()).bozo == 0


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_interrupted_builds_end_at_once_say_what_went_out_and_leave_nothing_locked(
    tmp_path: Path,
) -> None:
    articles = tmp_path / "articles"
    generate(articles, 300)  # enough for the process pool, for reading and for the pages
    rng = random.Random(20261206)  # noqa: S311 - reproducible moments, not secrets
    outcomes: dict[int, int] = {}
    for run in range(INTERRUPTED_BUILDS):
        out = tmp_path / "public"
        if run % 2 == 0:  # cold builds (every file read, every page written) and warm ones
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(tmp_path / "xdg-cache", ignore_errors=True)
        number = rng.choice([signal.SIGINT, signal.SIGTERM])
        code, stdout, stderr = _interrupted_build(articles, out, number, rng.uniform(0, 1.5))
        outcomes[code] = outcomes.get(code, 0) + 1
        assert stdout == ""
        assert "Traceback" not in stderr, stderr
        if code == 0:
            assert stderr == ""  # it finished before the signal
        else:
            assert code == 128 + number, (run, code, stderr)
            assert len(stderr.splitlines()) == 1, (run, stderr)
            (line,) = stderr.splitlines()
            assert line.startswith(f"feedgen-miit: interrupted by {number.name}"), line
        assert _gone(str(articles), seconds=10), f"run {run}: a process outlived the build"
        with output_lock(out, timeout=0):
            pass  # the lock was let go
        for name in ("atom.xml", "rss.xml"):
            if (out / name).exists():
                assert feedparser.parse((out / name).read_bytes()).bozo == 0
    assert outcomes.get(130, 0) + outcomes.get(143, 0) >= INTERRUPTED_BUILDS // 2, outcomes


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_an_interrupt_while_the_command_starts_exits_130_never_by_the_signal(
    tmp_path: Path,
) -> None:
    # In the first half-second the build imports its modules; an interrupt that landed in
    # dataclasses' exec() there was handled and said, and then the interpreter killed itself
    # with SIGINT on the way out (exit -2, 5 of 40 runs).
    rng = random.Random(5)  # noqa: S311 - reproducible moments
    codes: dict[int, int] = {}
    for _ in range(30):
        out = tmp_path / "public"
        shutil.rmtree(out, ignore_errors=True)
        code, _, stderr = _interrupted_build(EXAMPLES, out, signal.SIGINT, rng.uniform(0.05, 0.3))
        codes[code] = codes.get(code, 0) + 1
        assert code in {0, 130}, (code, stderr)
        assert "Traceback" not in stderr, stderr
    assert codes.get(130, 0) >= 10, codes  # most runs were interrupted, not finished
