"""feedgen-miit: republish a folder of scraped news articles as a valid, sanitized Atom feed.

Usable without the command line::

    from pathlib import Path
    import feedgen_miit

    settings = feedgen_miit.make_settings(Path("articles"), output_dir=Path("public"))
    report = feedgen_miit.build(settings)

    # or: defaults < ./feedgen-miit.toml < these keyword arguments
    settings = feedgen_miit.load_settings(limit=20)

The names below are imported when first used: ``import feedgen_miit`` (and the command line's
start) costs nothing but this file, and a build loads only the modules it needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Where each public name lives.
_EXPORTS = {
    "__version__": "_version",
    "load_settings": "config",
    "make_settings": "config",
    "ArticleError": "errors",
    "ArticleWarning": "errors",
    "ConfigError": "errors",
    "Draft": "errors",
    "DraftError": "errors",
    "FeedgenMiitError": "errors",
    "Interrupted": "errors",
    "NoArticlesError": "errors",
    "PublishError": "errors",
    "SkippedArticlesError": "errors",
    "check_article": "loader",
    "load_article": "loader",
    "Article": "model",
    "BuildReport": "model",
    "CheckReport": "model",
    "Entry": "model",
    "LoadResult": "model",
    "SafeHtml": "model",
    "build": "pipeline",
    "check": "pipeline",
    "load_folder": "pipeline",
    "CleaningProfile": "profile",
    "clean": "sanitize",
    "Settings": "settings",
}


def __dir__() -> list[str]:
    return sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'feedgen_miit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # what type checkers and editors see: the same names, eagerly
    from ._version import __version__ as __version__
    from .config import (
        load_settings as load_settings,
    )
    from .config import (
        make_settings as make_settings,
    )
    from .errors import (
        ArticleError as ArticleError,
    )
    from .errors import (
        ArticleWarning as ArticleWarning,
    )
    from .errors import (
        ConfigError as ConfigError,
    )
    from .errors import (
        Draft as Draft,
    )
    from .errors import (
        DraftError as DraftError,
    )
    from .errors import (
        FeedgenMiitError as FeedgenMiitError,
    )
    from .errors import (
        Interrupted as Interrupted,
    )
    from .errors import (
        NoArticlesError as NoArticlesError,
    )
    from .errors import (
        PublishError as PublishError,
    )
    from .errors import (
        SkippedArticlesError as SkippedArticlesError,
    )
    from .loader import (
        check_article as check_article,
    )
    from .loader import (
        load_article as load_article,
    )
    from .model import (
        Article as Article,
    )
    from .model import (
        BuildReport as BuildReport,
    )
    from .model import (
        CheckReport as CheckReport,
    )
    from .model import (
        Entry as Entry,
    )
    from .model import (
        LoadResult as LoadResult,
    )
    from .model import (
        SafeHtml as SafeHtml,
    )
    from .pipeline import (
        build as build,
    )
    from .pipeline import (
        check as check,
    )
    from .pipeline import (
        load_folder as load_folder,
    )
    from .profile import (
        CleaningProfile as CleaningProfile,
    )
    from .sanitize import (
        clean as clean,
    )
    from .settings import (
        Settings as Settings,
    )
