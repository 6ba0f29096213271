"""feedgen-miit: republish a folder of scraped news articles as a valid, sanitized Atom feed.

Usable without the command line::

    from pathlib import Path
    import feedgen_miit

    settings = feedgen_miit.make_settings(Path("articles"), output_dir=Path("public"))
    report = feedgen_miit.build(settings)

    # or: defaults < ./feedgen-miit.toml < these keyword arguments
    settings = feedgen_miit.load_settings(limit=20)
"""

from ._version import __version__
from .config import load_settings, make_settings
from .errors import (
    ArticleError,
    ArticleWarning,
    ConfigError,
    FeedgenMiitError,
    NoArticlesError,
    PublishError,
    SkippedArticlesError,
)
from .loader import check_article, load_article
from .model import Article, BuildReport, CheckReport, Entry, LoadResult, SafeHtml
from .pipeline import build, check, load_folder
from .profile import CleaningProfile
from .sanitize import clean
from .settings import Settings

__all__ = [
    "Article",
    "ArticleError",
    "ArticleWarning",
    "BuildReport",
    "CheckReport",
    "CleaningProfile",
    "ConfigError",
    "Entry",
    "FeedgenMiitError",
    "LoadResult",
    "NoArticlesError",
    "PublishError",
    "SafeHtml",
    "Settings",
    "SkippedArticlesError",
    "__version__",
    "build",
    "check",
    "check_article",
    "clean",
    "load_article",
    "load_folder",
    "load_settings",
    "make_settings",
]
