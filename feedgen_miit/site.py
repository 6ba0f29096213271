"""What a browser sees: the index, a page per article, category pages and the archive.

Every page is static HTML that needs no script and no XSLT (browsers are dropping XSLT), in
the feed's language (Chinese labels for ``zh-*``, English otherwise), with dates in the one
display time zone and the zone shown. Links between pages are relative, so the site works
wherever the output folder is served; the canonical address and Open Graph data are absolute.
Every text is HTML-escaped; article bodies are :data:`~feedgen_miit.model.SafeHtml` only.

The XSL stylesheet that shows an Atom feed as a page is a file of this package.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from importlib.resources import files

from .layout import (
    ARCHIVE_INDEX,
    INDEX_FILENAME,
    STYLESHEET_FILENAME,
    category_month_page,
    category_page,
    month_page,
    relative,
)
from .model import Article, Entry, FeedLink, Site

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src http: https:; "
    "base-uri 'none'; form-action 'none'"
)
_STYLE = """\
body { font: 16px/1.6 system-ui, sans-serif; max-width: 46rem; margin: 0 auto; padding: 1rem;
       color: #222; background: #fff; }
code { word-break: break-all; }
li { margin: .3rem 0; }
nav { font-size: .9rem; }
.meta { color: #666; font-size: .9rem; }
.tag { display: inline-block; background: #eef; border-radius: 3px; padding: 0 .4rem;
       margin-right: .3rem; }
article img { max-width: 100%; height: auto; }
article blockquote { margin-left: 0; padding-left: 1rem; border-left: 3px solid #ddd; }"""
#: English month names, fixed: ``calendar.month_name`` follows the machine's locale.
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Labels:
    """The words of the pages, in one language."""

    chinese: bool  #: numbers, months and headings follow Chinese usage
    colon: str  #: between a label and what it labels
    subscribe: str
    subscribe_intro: str
    import_main: str
    categories_list: str
    #: The title of ``categories.opml``, which says its feeds overlap.
    categories_opml: str
    categories: str
    latest: str
    archive: str
    every_article: str
    earlier: str
    home: str
    editor: str
    source: str
    updated: str
    feed: str
    history: str  #: the heading over the feeds' archive documents
    history_intro: str
    newest: str
    oldest: str

    def archives(self, number: int) -> str:
        """``number`` archive documents."""
        if self.chinese:
            return f"{number:,} 个存档文件"
        return "1 archive document" if number == 1 else f"{number:,} archive documents"

    def count(self, number: int) -> str:
        """``number`` articles."""
        if self.chinese:
            return f"{number:,} 篇"
        return f"{number} article" if number == 1 else f"{number:,} articles"

    def month(self, month: str) -> str:
        """``2022-06`` as people read it."""
        year, number = month.split("-")
        if self.chinese:
            return f"{year}年{int(number)}月"
        return f"{_MONTHS[int(number) - 1]} {year}"

    def category(self, name: str) -> str:
        """The heading of a category's page."""
        return f"分类：{name}" if self.chinese else f"Category: {name}"


ENGLISH = Labels(
    chinese=False,
    colon=": ",
    subscribe="Subscribe",
    subscribe_intro=(
        "Copy a feed's address into your feed reader, or import the OPML file to follow the "
        "feed in one step."
    ),
    import_main="OPML: the feed, to import (each article once)",
    categories_list=(
        "OPML of every category feed: an article is in several categories, so these feeds "
        "overlap with each other and with the main feed"
    ),
    categories_opml="every category (the feeds overlap)",
    categories="Categories",
    latest="Latest articles",
    archive="Archive",
    every_article="Every article, by month",
    earlier="Earlier articles, by month",
    home="Home",
    editor="Editor",
    source="Original article",
    updated="updated",
    feed="feed",
    history="Feed history",
    history_intro=(
        "Each feed holds the newest articles; the older ones are in its archive documents "
        "(RFC 5005), each linked to the next. Readers that follow these links fetch the whole "
        "history by themselves."
    ),
    newest="newest",
    oldest="oldest",
)
CHINESE = Labels(
    chinese=True,
    colon="：",
    subscribe="订阅",
    subscribe_intro="把订阅地址复制到阅读器中即可订阅；也可以导入 OPML 文件一次订阅。",
    import_main="OPML：主订阅源，供导入（每篇文章只出现一次）",
    categories_list=(
        "全部分类订阅源的 OPML：一篇文章属于多个分类，这些订阅源彼此重叠，也与主订阅源重叠"
    ),
    categories_opml="全部分类（订阅源彼此重叠）",
    categories="分类",
    latest="最新文章",
    archive="归档",
    every_article="全部文章（按月）",
    earlier="更早的文章（按月）",
    home="首页",
    editor="编辑",
    source="原文",
    updated="更新于",
    feed="订阅源",
    history="订阅源的历史存档",
    history_intro=(
        "每个订阅源只含最新的文章，更早的文章在它的存档文件中（RFC 5005），逐个相连；"
        "支持这些链接的阅读器会自行读取全部历史。"
    ),
    newest="最新",
    oldest="最早",
)


def labels_for(language: str) -> Labels:
    """The labels for a BCP 47 language tag: Chinese for ``zh-*``, English otherwise."""
    return CHINESE if language.lower().split("-")[0] == "zh" else ENGLISH


def display_time(moment: datetime, site: Site) -> str:
    """``2022-06-21 11:44 UTC+08:00``: the one form dates take in front of people."""
    local = moment.astimezone(site.zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}"


def stylesheet() -> bytes:
    """The XSL stylesheet that turns an Atom feed into a page (a file in this package)."""
    return files(__package__).joinpath("static", STYLESHEET_FILENAME).read_bytes()


@dataclass(frozen=True, slots=True)
class Feeds:
    """The feeds a page announces: the main ones and the category ones, with the OPML lists."""

    main: tuple[FeedLink, ...]
    categories: Mapping[str, FeedLink]  #: by category name
    opml: str | None = None  #: the main feed's OPML file
    categories_opml: str | None = None

    def every(self) -> tuple[FeedLink, ...]:
        """Every feed: the main ones, then the categories'."""
        return (*self.main, *self.categories.values())


# -- pages -------------------------------------------------------------------------------------


def render_index(
    site: Site,
    feeds: Feeds,
    latest: Sequence[Article],
    category_sizes: Mapping[str, int],
    *,
    archive: bool,
) -> bytes:
    """``index.html``: how to subscribe, the latest articles, the categories."""
    words = labels_for(site.language)
    here = INDEX_FILENAME
    body = [f"<h1>{_text(site.title)}</h1>"]
    if site.subtitle:
        body.append(f"<p>{_text(site.subtitle)}</p>")
    body += _subscribe(site, feeds, here, words)
    body += [f"<h2>{_text(words.latest)}</h2>", "<ul>"]
    body += [_article_item(article, site, here) for article in latest]
    body.append("</ul>")
    if archive:
        archive_link = _attr(relative(ARCHIVE_INDEX, here))
        body.append(f'<p><a href="{archive_link}">{_text(words.every_article)}</a></p>')
    body += _category_list(category_sizes, feeds, here, words)
    return _page(site, here, site.title, body, feeds=feeds.main + tuple(feeds.categories.values()))


def render_article_page(entry: Entry, site: Site, feeds: Feeds) -> bytes:
    """An article's own page: its body, date, author, categories, and where it came from."""
    article = entry.article
    here = article.page
    words = labels_for(site.language)
    canonical = article.link or site.base_url + here
    description = entry.excerpt or entry.summary
    head = [
        f'<link rel="canonical" href="{_attr(canonical)}">',
        f'<meta name="description" content="{_attr(description)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{_attr(article.title)}">',
        f'<meta property="og:description" content="{_attr(description)}">',
        f'<meta property="og:url" content="{_attr(canonical)}">',
        f'<meta property="og:site_name" content="{_attr(site.title)}">',
        f'<meta property="og:locale" content="{_attr(site.language.replace("-", "_"))}">',
    ]
    if entry.thumbnail:
        head.append(f'<meta property="og:image" content="{_attr(entry.thumbnail)}">')
    head.append(
        f'<meta property="article:published_time" content="{_iso(article.published, site)}">'
    )
    if article.updated != article.published:
        head.append(
            f'<meta property="article:modified_time" content="{_iso(article.updated, site)}">'
        )
    head += [
        f'<meta property="article:tag" content="{_attr(name)}">' for name in article.categories
    ]
    if article.author:
        head.append(f'<meta name="author" content="{_attr(article.author)}">')
    card = "summary_large_image" if entry.thumbnail else "summary"
    head += [
        f'<meta name="twitter:card" content="{card}">',
        f'<meta name="twitter:title" content="{_attr(article.title)}">',
        f'<meta name="twitter:description" content="{_attr(description)}">',
    ]
    if entry.thumbnail:
        head.append(f'<meta name="twitter:image" content="{_attr(entry.thumbnail)}">')
    byline = [_time(article.published, site)]
    if article.updated != article.published:
        byline.append(f"{_text(words.updated)} {_time(article.updated, site)}")
    if article.author:
        byline.append(_text(article.author))
    if entry.contributor:
        byline.append(f"{_text(words.editor + words.colon)}{_text(entry.contributor)}")
    body = [
        _nav(site, here, words),
        "<article>",
        f"<h1>{_text(article.title)}</h1>",
        f'<p class="meta">{" · ".join(byline)}</p>',
    ]
    if article.categories:
        body.append(f'<p class="meta">{_tags(article.categories, here)}</p>')
    body += [entry.content, "</article>"]
    if article.link:
        body.append(
            f'<p class="meta">{_text(words.source + words.colon)}'
            f'<a href="{_attr(article.link)}">{_text(article.link)}</a></p>'
        )
    announced = feeds.main + tuple(
        feeds.categories[name] for name in article.categories if name in feeds.categories
    )
    return _page(site, here, f"{article.title} · {site.title}", body, head=head, feeds=announced)


def render_category_page(
    name: str,
    site: Site,
    feeds: Feeds,
    newest: Sequence[Article],
    months: Sequence[tuple[str, int]],
) -> bytes:
    """A category's page: its feed, its newest articles, and its months."""
    here = category_page(name)
    words = labels_for(site.language)
    body = [_nav(site, here, words), f"<h1>{_text(words.category(name))}</h1>"]
    feed = feeds.categories.get(name)
    if feed is not None:
        body.append(
            f'<p>{_text(words.feed + words.colon)}<a href="{_attr(relative(feed.path, here))}">'
            "Atom</a> "
            f"<code>{_text(site.base_url + feed.path)}</code></p>"
        )
    body += ["<ul>", *(_article_item(article, site, here) for article in newest), "</ul>"]
    body += [f"<h2>{_text(words.earlier)}</h2>", "<ul>"]
    body += [
        f'<li><a href="{_attr(relative(category_month_page(name, month), here))}">'
        f"{_text(words.month(month))}</a> "
        f'<span class="meta">({_text(words.count(count))})</span></li>'
        for month, count in months
    ]
    body.append("</ul>")
    announced = (feed,) if feed is not None else ()
    return _page(site, here, f"{words.category(name)} · {site.title}", body, feeds=announced)


def render_month_page(
    month: str, site: Site, articles: Sequence[Article], *, category: str | None = None
) -> bytes:
    """Every article of ``month`` (of ``category``), newest first."""
    here = month_page(month) if category is None else category_month_page(category, month)
    words = labels_for(site.language)
    heading = words.month(month)
    if category is not None:
        heading = f"{words.category(category)} · {heading}"
    body = [_nav(site, here, words, category=category), f"<h1>{_text(heading)}</h1>", "<ul>"]
    body += [_article_item(article, site, here) for article in articles]
    body.append("</ul>")
    return _page(site, here, f"{heading} · {site.title}", body)


def render_archive_index(
    site: Site,
    months: Sequence[tuple[str, int]],
    category_sizes: Mapping[str, int],
    feeds: Feeds,
) -> bytes:
    """``archive/index.html``: every month, every category."""
    here = ARCHIVE_INDEX
    words = labels_for(site.language)
    body = [_nav(site, here, words), f"<h1>{_text(words.every_article)}</h1>", "<ul>"]
    body += [
        f'<li><a href="{_attr(relative(month_page(month), here))}">{_text(words.month(month))}</a> '
        f'<span class="meta">({_text(words.count(count))})</span></li>'
        for month, count in months
    ]
    body.append("</ul>")
    body += _category_list(category_sizes, feeds, here, words)
    body += _history(feeds, here, words)
    return _page(site, here, f"{words.archive} · {site.title}", body)


# -- pieces ------------------------------------------------------------------------------------


def _page(
    site: Site,
    here: str,
    title: str,
    body: Sequence[str],
    *,
    head: Sequence[str] = (),
    feeds: Sequence[FeedLink] = (),
) -> bytes:
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{_attr(site.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        # The source's image host refuses requests that name another site as the referer.
        '<meta name="referrer" content="no-referrer">',
        f"<title>{_text(title)}</title>",
        *head,
        *(
            f'<link rel="alternate" type="{_attr(feed.media_type)}" '
            f'title="{_attr(feed.title)}" href="{_attr(relative(feed.path, here))}">'
            for feed in feeds
        ),
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        *body,
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def _subscribe(site: Site, feeds: Feeds, here: str, words: Labels) -> list[str]:
    lines = [f"<h2>{_text(words.subscribe)}</h2>", f"<p>{_text(words.subscribe_intro)}</p>", "<ul>"]
    lines += [_feed_item(feed, feed.format_name, site, here) for feed in feeds.main]
    if feeds.opml:
        lines.append(
            f'<li><a href="{_attr(relative(feeds.opml, here))}">{_text(words.import_main)}</a> '
            f"<code>{_text(site.base_url + feeds.opml)}</code></li>"
        )
    lines.append("</ul>")
    return lines


def _category_list(sizes: Mapping[str, int], feeds: Feeds, here: str, words: Labels) -> list[str]:
    if not sizes:
        return []
    lines = [f"<h2>{_text(words.categories)}</h2>", "<ul>"]
    for name in sorted(sizes):
        item = (
            f'<li><a href="{_attr(relative(category_page(name), here))}">{_text(name)}</a> '
            f'<span class="meta">({_text(words.count(sizes[name]))})</span>'
        )
        feed = feeds.categories.get(name)
        if feed is not None:
            item += f' · <a href="{_attr(relative(feed.path, here))}">{_text(words.feed)}</a>'
        lines.append(item + "</li>")
    lines.append("</ul>")
    if feeds.categories_opml:
        lines.append(
            f'<p class="meta"><a href="{_attr(relative(feeds.categories_opml, here))}">'
            f"{_text(words.categories_list)}</a></p>"
        )
    return lines


def _history(feeds: Feeds, here: str, words: Labels) -> list[str]:
    """Each feed's archive documents: how many, and the two ends of the chain."""
    archived = [feed for feed in feeds.every() if feed.archives]
    if not archived:
        return []
    lines = [f"<h2>{_text(words.history)}</h2>", f"<p>{_text(words.history_intro)}</p>", "<ul>"]
    for feed in archived:
        newest, oldest = feed.archives[-1], feed.archives[0]
        lines.append(
            f'<li><a href="{_attr(relative(feed.path, here))}">{_text(feed.title)}</a> '
            f'<span class="meta">({_text(feed.format_name)})</span>{_text(words.colon)}'
            f"{_text(words.archives(len(feed.archives)))} · "
            f'<a href="{_attr(relative(newest, here))}">{_text(words.newest)}</a> · '
            f'<a href="{_attr(relative(oldest, here))}">{_text(words.oldest)}</a></li>'
        )
    lines.append("</ul>")
    return lines


def _feed_item(feed: FeedLink, name: str, site: Site, here: str) -> str:
    return (
        f'<li><a href="{_attr(relative(feed.path, here))}">{_text(name)}</a> '
        f"<code>{_text(site.base_url + feed.path)}</code></li>"
    )


def _article_item(article: Article, site: Site, here: str) -> str:
    link = f'<a href="{_attr(relative(article.page, here))}">{_text(article.title)}</a>'
    tags = "".join(f" · {_text(name)}" for name in article.categories)
    return f'<li>{link} <span class="meta">{_time(article.published, site)}{tags}</span></li>'


def _nav(site: Site, here: str, words: Labels, *, category: str | None = None) -> str:
    links = [f'<a href="{_attr(relative(INDEX_FILENAME, here))}">{_text(site.title)}</a>']
    if category is not None:
        links.append(
            f'<a href="{_attr(relative(category_page(category), here))}">{_text(category)}</a>'
        )
    links.append(f'<a href="{_attr(relative(ARCHIVE_INDEX, here))}">{_text(words.archive)}</a>')
    return f"<nav>{' · '.join(links)}</nav>"


def _tags(names: Sequence[str], here: str) -> str:
    return " ".join(
        f'<a class="tag" href="{_attr(relative(category_page(name), here))}">{_text(name)}</a>'
        for name in names
    )


def _time(moment: datetime, site: Site) -> str:
    return (
        f'<time datetime="{_attr(_iso(moment, site))}">{_text(display_time(moment, site))}</time>'
    )


def _iso(moment: datetime, site: Site) -> str:
    return moment.astimezone(site.zone).isoformat()


def _text(value: str) -> str:
    return escape(value, quote=False)


def _attr(value: str) -> str:
    return escape(value, quote=True)
