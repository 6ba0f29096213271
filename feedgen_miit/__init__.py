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
from .errors import ArticleError, ConfigError, FeedgenMiitError, NoArticlesError, PublishError
from .loader import LoadResult, load_article, load_folder
from .model import Article, Entry, SafeHtml, Settings
from .pipeline import BuildReport, build
from .sanitize import clean

__all__ = [
    "Article",
    "ArticleError",
    "BuildReport",
    "ConfigError",
    "Entry",
    "FeedgenMiitError",
    "LoadResult",
    "NoArticlesError",
    "PublishError",
    "SafeHtml",
    "Settings",
    "__version__",
    "build",
    "clean",
    "load_article",
    "load_folder",
    "load_settings",
    "make_settings",
]
