"""The command line: flags -> settings -> :func:`feedgen_miit.build` -> exit code.

Quiet on success (cron mails any output); problems go to stderr, one line each.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ._version import __version__
from .config import make_settings
from .errors import FeedgenMiitError, SkippedArticlesError
from .pipeline import BuildReport, CheckReport, build, check

EXIT_OK = 0
EXIT_FATAL = 1
EXIT_USAGE = 2  # click's own
EXIT_PARTIAL = 3

EXIT_CODES_HELP = """\b
Exit codes:
  0  feed written, every article used
  1  nothing written (unreadable folder, no usable article, output not writable,
     bad setting, or --strict and some article cannot be used)
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedgen-miit")
def main() -> None:
    """Republish a folder of news articles as valid Atom, RSS and JSON feeds."""


@main.command("build", epilog=EXIT_CODES_HELP)
@click.argument(
    "articles_dir",
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--out",
    "output_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("public"),
    show_default=True,
    help="Folder to write the feeds (atom.xml, rss.xml, feed.json...) into.",
)
@click.option("--base-url", help="Address the output folder is served at.")
@click.option("--title", help="Feed title.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    help="Newest entries to include; 0 includes every article.  [default: 50]",
)
@click.option("--timezone", help="Zone for dates written without one.  [default: Asia/Shanghai]")
@click.option(
    "--max-file-bytes",
    type=click.IntRange(min=1),
    help="Skip article files larger than this.  [default: 10485760]",
)
@click.option(
    "--strict",
    is_flag=True,
    default=None,
    help="Write nothing, and exit 1, if any article cannot be used.",
)
@verbose_option
def build_command(
    articles_dir: Path,
    output_dir: Path,
    base_url: str | None,
    title: str | None,
    limit: int | None,
    timezone: str | None,
    max_file_bytes: int | None,
    strict: bool | None,
) -> None:
    """Build ARTICLES_DIR into feeds in OUT: Atom, RSS, JSON Feed, categories, OPML, index.

    Articles that cannot be used are skipped, each named on stderr with the reason; the
    others are published. Warnings about used articles are shown with -v (and by check).

    \b
    Example:
      feedgen-miit build articles --out public --base-url https://example.org/feeds/
    """
    try:
        settings = make_settings(
            articles_dir,
            output_dir=output_dir,
            base_url=base_url,
            title=title,
            limit=limit,
            timezone=timezone,
            max_file_bytes=max_file_bytes,
            strict=strict,
        )
        report = build(settings)
    except SkippedArticlesError as error:
        for problem in error.problems:
            click.echo(f"feedgen-miit: {problem}", err=True)
        click.echo(f"feedgen-miit: error: {error}", err=True)
        sys.exit(EXIT_FATAL)
    except FeedgenMiitError as error:
        click.echo(f"feedgen-miit: error: {error}", err=True)
        sys.exit(EXIT_FATAL)
    _report(report)
    sys.exit(EXIT_OK if report.complete else EXIT_PARTIAL)


@main.command("check", epilog=CHECK_EXIT_CODES_HELP)
@click.argument(
    "articles_dir",
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option("--base-url", help="Address the feed is served at (relative URLs resolve to it).")
@click.option("--timezone", help="Zone for dates written without one.  [default: Asia/Shanghai]")
@click.option(
    "--max-file-bytes",
    type=click.IntRange(min=1),
    help="Report article files larger than this.  [default: 10485760]",
)
@verbose_option
def check_command(
    articles_dir: Path,
    base_url: str | None,
    timezone: str | None,
    max_file_bytes: int | None,
) -> None:
    """Report every error and warning in ARTICLES_DIR, one per line; write nothing.

    Unlike build, every article's body is read, not only the newest.

    \b
    Example:
      feedgen-miit check articles
    """
    try:
        settings = make_settings(
            articles_dir, base_url=base_url, timezone=timezone, max_file_bytes=max_file_bytes
        )
        report = check(settings)
    except FeedgenMiitError as error:
        click.echo(f"feedgen-miit: error: {error}", err=True)
        sys.exit(EXIT_FATAL)
    _report_check(report)
    sys.exit(EXIT_OK if report.clean else EXIT_PARTIAL)


def _report_check(report: CheckReport) -> None:
    lines = [(str(problem), f"{problem}  [error: skipped]") for problem in report.problems]
    lines += [(str(warning), f"{warning}  [warning]") for warning in report.warnings]
    for _, line in sorted(lines):
        click.echo(line)
    click.echo(
        f"{report.articles_found} usable article(s), {len(report.problems)} error(s), "
        f"{len(report.warnings)} warning(s)"
    )


def _report(report: BuildReport) -> None:
    for problem in report.problems:
        click.echo(f"feedgen-miit: skipped {problem}", err=True)
    log = logging.getLogger("feedgen_miit")
    for warning in report.warnings:
        log.info("warning: %s", warning)
    for path in report.written:
        log.info(
            "wrote %s (%d entries of %d articles)", path, report.entries, report.articles_found
        )
    for path in report.unchanged:
        log.info("%s is up to date (%d entries)", path, report.entries)


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("feedgen-miit: %(message)s"))
    package_log = logging.getLogger("feedgen_miit")
    package_log.handlers[:] = [handler]
    package_log.setLevel(level)
    package_log.propagate = False
