"""The command line: flags -> settings -> :func:`feedgen_miit.build` -> exit code.

Quiet on success (cron mails any output); problems go to stderr, one line each, in two forms
only: ``file:line: reason`` for an article that cannot be used, and ``feedgen-miit: ...`` for
everything else (``error:``, ``warning:``, an interruption) — click's own usage errors too.
"""

from __future__ import annotations

import logging
import signal
import sys
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, TypeVar

import click

from . import settings as described
from .config import CONFIG_NAME, load_settings, write_starter
from .errors import (
    ArticleError,
    FeedgenMiitError,
    Interrupted,
    MissingArticlesDirError,
    NoArticlesError,
    ShownFormatter,
    SkippedArticlesError,
    shown,
)
from .model import BuildReport, CheckReport
from .settings import DEFAULT_FEED_ID, Settings
from .starting import STOPPING, stop_at_once, stopping_at_once

EXIT_OK = 0
EXIT_FATAL = 1
EXIT_USAGE = 2  # click's own
EXIT_PARTIAL = 3

EXIT_CODES_HELP = """\b
Exit codes:
  0  feed written, every article used
  1  nothing written (unreadable folder, no usable article, output or index not
     writable, bad setting, or --strict and some article cannot be used)
  2  usage error
  3  feed written, but some articles were skipped (each listed on stderr)"""
CHECK_EXIT_CODES_HELP = """\b
Exit codes:
  0  every article is fine: no error, no warning
  1  the folder cannot be checked (not found, unreadable, bad setting)
  2  usage error
  3  some articles have errors (a build skips them) or warnings (listed on stdout)"""


def _set_verbosity(_context: click.Context, _parameter: click.Parameter, count: int) -> int:
    _configure_logging(count)
    return count


#: Shared by every command, so that ``-v`` goes where users type it: after the command.
verbose_option = click.option(
    "-v",
    "--verbose",
    count=True,
    expose_value=False,
    callback=_set_verbosity,
    help="Tell what was done (-vv: debug detail).",
)


#: At most this many unusable files are named when nothing could be published.
SHOWN_PROBLEMS = 20


#: What handles a signal: a function, or signal.SIG_DFL or SIG_IGN.
_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers


class _Commands(click.Group):
    """click's group, speaking this tool's one message form, and turning signals into the
    shell's exit codes (130 for SIGINT, 143 for SIGTERM) with one line saying what was done.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        prog_name = "feedgen-miit"  # whatever started it: the script, python -m, a test
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        previous = {number: signal.getsignal(number) for number in STOPPING}
        try:
            # Taken over inside the try: a signal may land the moment its handler changes.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, _terminated)
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as error:
            context = getattr(error, "ctx", None)
            hint = f" (see {context.command_path} --help)" if context is not None else ""
            # Raw: click's messages quote what was typed (a name with a newline, say).
            message = shown(_first_lower(error.format_message()).rstrip("."))
            _fatal(f"{message}{hint}", error.exit_code)
        except Interrupted as interruption:  # SIGTERM while click itself was busy
            _fatal(str(interruption), interruption.exit_code, prefix="")
        except (click.Abort, KeyboardInterrupt):  # SIGINT while click itself was busy
            _fatal("interrupted by SIGINT: nothing was published", 128 + signal.SIGINT, prefix="")
        finally:
            # The command is over: a signal landing now must neither raise from here (a
            # traceback) nor reach the program's stop_at_once, which would say that nothing
            # was published. Held while the handlers change back.
            held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
            for number, handler in previous.items():
                signal.signal(number, _once_done(handler))
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        sys.exit(code if isinstance(code, int) else EXIT_OK)

    def invoke(self, context: click.Context) -> Any:
        try:
            return super().invoke(context)
        except Interrupted as interruption:
            _fatal(str(interruption), interruption.exit_code, prefix="")
        except KeyboardInterrupt:
            _fatal("interrupted by SIGINT: nothing was published", 128 + signal.SIGINT, prefix="")


def _once_done(handler: _Handler | None) -> _Handler:
    """What handles a signal once the command line is done with ``handler``'s: nothing, if
    it is the program's (a signal then stops nothing); else the caller's own (None: one not
    set from Python, taken for the default)."""
    if handler is stop_at_once:
        return signal.SIG_IGN  # a signal held meanwhile is then dropped
    return signal.SIG_DFL if handler is None else handler


def _terminated(number: int, _frame: object) -> None:
    """SIGTERM (cron's or systemd's stop) ends a build as Ctrl-C does: cleanly."""
    raise Interrupted(number)


def _fatal(message: str, code: int, *, prefix: str = "error: ") -> NoReturn:
    click.echo(f"feedgen-miit: {prefix}{message}", err=True)
    sys.exit(code)


def _first_lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _show_version(context: click.Context, _parameter: click.Parameter, wanted: bool) -> None:
    if not wanted or context.resilient_parsing:
        return
    from ._version import __version__  # noqa: PLC0415 - only when asked

    click.echo(f"feedgen-miit, version {__version__}")
    context.exit()


# The commands import the pipeline (bs4, lxml, feedgen, the index...) when they run: --help and
# --version start in a fraction of the time.
@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def main() -> None:
    """Republish a folder of news articles as valid Atom, RSS and JSON feeds."""


config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"Settings file.  [default: ./{CONFIG_NAME} if present]",
)
# Not click's own folder check: a missing or wrong folder is exit 1 with the build's message,
# however it is named (the argument or the file), not a usage error.
articles_argument = click.argument("articles_dir", required=False, type=click.Path(path_type=Path))

_Command = TypeVar("_Command", bound=Callable[..., Any])


def setting_options(command: str) -> Callable[[_Command], _Command]:
    """The flags of ``command``, one per setting that has one, made from its description."""

    def decorate(function: _Command) -> _Command:
        for name in reversed(list(described.names())):
            about = described.description(name)
            if about.takes(command):
                function = _option(name, about)(function)
        return function

    return decorate


def _option(name: str, about: described.Description) -> Callable[[_Command], _Command]:
    assert about.flag is not None  # noqa: S101 - setting_options() asks only for flags
    hint = described.type_hints()[name]
    text = f"{about.help}  [default: {described.shown_default(name)}]"
    if hint is bool:  # the flag sets the value opposite to the default
        flag_value = not described.default(name)
        return click.option(
            about.flag,
            name,
            is_flag=True,
            flag_value=flag_value,
            default=None,
            help=about.flag_help or about.help,
        )
    kinds: dict[Any, Any] = {
        int: click.IntRange(min=None if about.minimum is None else int(about.minimum)),
        float: click.FloatRange(min=about.minimum),
        # Not checked here: a folder that is a file is the build's error (exit 1), the same
        # however it is named, flag or settings file.
        Path: click.Path(path_type=Path),
    }
    multiple = typing.get_origin(hint) is tuple
    return click.option(
        about.flag,
        name,
        type=kinds.get(hint, str),
        multiple=multiple,
        metavar=about.metavar,
        help=text,
    )


@main.command("build", epilog=EXIT_CODES_HELP)
@articles_argument
@config_option
@setting_options("build")
@verbose_option
def build_command(articles_dir: Path | None, config_file: Path | None, **flags: Any) -> None:
    """Build ARTICLES_DIR into feeds in OUT: Atom, RSS, JSON Feed, categories, OPML, index.

    Articles that cannot be used are skipped, each named on stderr with the reason; the
    others are published. Warnings about used articles are shown with -v (and by check).
    Settings come from the flags, then feedgen-miit.toml (or --config FILE), then the
    defaults. ARTICLES_DIR may be set in the file as articles_dir.

    \b
    Example:
      feedgen-miit build articles --out public --base-url https://example.org/feeds/
    """
    try:
        settings = _settings(articles_dir, config_file, flags)
        _warn_of_the_built_in_feed_id(settings)
        with stopping_at_once():  # nothing is open yet; see starting.py
            from .pipeline import build  # noqa: PLC0415 - see main

        with _ProgressBar() as progress:
            report = build(settings, progress=progress if sys.stderr.isatty() else None)
    except MissingArticlesDirError as error:
        raise click.UsageError(error.args[0]) from None  # raw: escaped where it is shown
    except (SkippedArticlesError, NoArticlesError) as error:
        _list_problems(error.problems)
        _fatal(str(error), EXIT_FATAL)
    except FeedgenMiitError as error:
        _fatal(str(error), EXIT_FATAL)
    _report(report)
    sys.exit(EXIT_OK if report.complete else EXIT_PARTIAL)


def _list_problems(problems: Sequence[ArticleError]) -> None:
    """Name why each article file cannot be used: the first :data:`SHOWN_PROBLEMS`, then how
    many more (``check`` lists them all)."""
    for problem in problems[:SHOWN_PROBLEMS]:
        click.echo(str(problem), err=True)
    if len(problems) > SHOWN_PROBLEMS:
        click.echo(
            f"feedgen-miit: ... and {len(problems) - SHOWN_PROBLEMS} more "
            "(feedgen-miit check lists every one)",
            err=True,
        )


def _warn_of_the_built_in_feed_id(settings: Settings) -> None:
    """A feed published elsewhere than the demo with the built-in id shares its entry ids
    with every other such feed, and changing the id later shows every article again."""
    if settings.feed_id == DEFAULT_FEED_ID and settings.base_url != described.default("base_url"):
        click.echo(
            "feedgen-miit: warning: this feed uses the built-in feed_id; give it its own "
            "before readers subscribe (feedgen-miit init writes one, or set feed_id)",
            err=True,
        )


@main.command("check", epilog=CHECK_EXIT_CODES_HELP)
@articles_argument
@config_option
@setting_options("check")
@verbose_option
def check_command(articles_dir: Path | None, config_file: Path | None, **flags: Any) -> None:
    """Report every error and warning in ARTICLES_DIR, one per line; write nothing.

    Unlike build, every article's body is read, not only the newest.

    \b
    Example:
      feedgen-miit check articles
    """
    try:
        settings = _settings(articles_dir, config_file, flags)
        with stopping_at_once():  # nothing is open yet; see starting.py
            from .pipeline import check  # noqa: PLC0415 - see main

        with _ProgressBar() as progress:
            report = check(settings, progress=progress if sys.stderr.isatty() else None)
    except MissingArticlesDirError as error:
        raise click.UsageError(error.args[0]) from None  # raw: escaped where it is shown
    except FeedgenMiitError as error:
        _fatal(str(error), EXIT_FATAL)
    _report_check(report)
    sys.exit(EXIT_OK if report.clean else EXIT_PARTIAL)


def _settings(
    articles_dir: Path | None, config_file: Path | None, flags: dict[str, Any]
) -> Settings:
    """The settings: these flags (unset ones are None, or () when repeatable) over the file."""
    given = {name: value for name, value in flags.items() if value not in (None, ())}
    return load_settings(config_file=config_file, articles_dir=articles_dir, **given)


def _report_check(report: CheckReport) -> None:
    lines = [(str(problem), f"{problem}  [error: skipped]") for problem in report.problems]
    lines += [(str(warning), f"{warning}  [warning]") for warning in report.warnings]
    lines += [(str(draft), f"{draft}  [draft]") for draft in report.drafts]
    for _, line in sorted(lines):
        click.echo(line)
    drafts = f"{len(report.drafts)} draft(s) left out, " if report.drafts else ""
    click.echo(
        f"{report.articles_found} usable article(s), {drafts}{len(report.problems)} error(s), "
        f"{len(report.warnings)} warning(s)"
    )


@main.command("init")
@verbose_option
def init_command() -> None:
    """Write a commented starter feedgen-miit.toml into the current folder.

    It never overwrites an existing file, and it mints a fresh feed_id: keep that id for
    the life of the feed.

    \b
    Example:
      cd /srv/news && feedgen-miit init && $EDITOR feedgen-miit.toml
    """
    try:
        path = write_starter(Path.cwd())
    except FeedgenMiitError as error:
        _fatal(str(error), EXIT_FATAL)
    click.echo(
        f"wrote {path.name}; edit base_url and the feed's title, then run: feedgen-miit build"
    )


class _ProgressBar:
    """A progress bar on stderr for each long step, shown only when there is enough work."""

    #: Fewer items than this are done too fast for a bar to help.
    MINIMUM = 2000

    def __init__(self) -> None:
        self._bar: Any = None
        self._step = ""
        self._shown = 0

    def __call__(self, step: str, done: int, total: int) -> None:
        if step != self._step:
            self._close()
            self._step, self._shown = step, 0
            if total >= self.MINIMUM:
                self._bar = click.progressbar(length=total, label=step, file=sys.stderr)
                self._bar.__enter__()
        if self._bar is not None:
            self._bar.update(done - self._shown)
            self._shown = done

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close()


def _report(report: BuildReport) -> None:
    for problem in report.problems:
        click.echo(str(problem), err=True)
    for failure in report.hub_failures:
        click.echo(f"feedgen-miit: warning: {shown(failure)}", err=True)
    log = logging.getLogger("feedgen_miit")
    for warning in report.warnings:
        log.info("warning: %s", warning)
    for path in report.written:
        log.info("wrote %s", path)
    for path in report.removed:
        log.info("removed %s", path)
    if report.drafts:
        log.info("%d draft(s) left out of every output ('published: false')", len(report.drafts))
    log.info(
        "%d entries of %d articles; %d files written, %d unchanged, %d removed; "
        "%d article pages written, %d unchanged; "
        "%d article files read, %d bodies sanitized (the rest from the index)",
        report.entries,
        report.articles_found,
        len(report.written),
        len(report.unchanged),
        len(report.removed),
        report.pages_written,
        report.pages_unchanged,
        report.files_read,
        report.bodies_sanitized,
    )


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    # Escapes what a record carries as errors do: a log line is one line, whatever the names.
    handler.setFormatter(ShownFormatter("feedgen-miit: %(message)s"))
    package_log = logging.getLogger("feedgen_miit")
    package_log.handlers[:] = [handler]
    package_log.setLevel(level)
    package_log.propagate = False
