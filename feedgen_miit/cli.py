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
from .errors import FeedgenMiitError
from .pipeline import BuildReport, build

EXIT_OK = 0
EXIT_FATAL = 1
EXIT_USAGE = 2  # click's own
EXIT_PARTIAL = 3

EXIT_CODES_HELP = """\b
Exit codes:
  0  feed written, every article used
  1  nothing written (unreadable folder, no usable article, output not writable, bad setting)
  2  usage error
  3  feed written, but some articles were skipped (each listed on stderr)"""


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
@verbose_option
def build_command(
    articles_dir: Path,
    output_dir: Path,
    base_url: str | None,
    title: str | None,
    limit: int | None,
    timezone: str | None,
) -> None:
    """Build ARTICLES_DIR into feeds in OUT: Atom, RSS, JSON Feed, categories, OPML, index.

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
        )
        report = build(settings)
    except FeedgenMiitError as error:
        click.echo(f"feedgen-miit: error: {error}", err=True)
        sys.exit(EXIT_FATAL)
    _report(report)
    sys.exit(EXIT_OK if report.complete else EXIT_PARTIAL)


def _report(report: BuildReport) -> None:
    for problem in report.problems:
        click.echo(f"feedgen-miit: skipped {problem}", err=True)
    log = logging.getLogger("feedgen_miit")
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
