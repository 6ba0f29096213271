"""Stage 1 of the sanitizer over beautifulsoup4's tree, for the bodies the lxml pass declines.

:func:`feedgen_miit.sanitize.clean_body` runs stage 1 over lxml's tree for the bodies real
sites send, and hands this module what only bs4's tree serves: a frame that becomes a link,
markup nested deeper than libxml2's tree builder nests it (flattened here to its text), ruby
or template text in a title or editor line, a body without ``<body>``. It handles every body,
and gives the same fragment as the lxml pass wherever both apply (tests/test_sanitize.py).
Imported on the first body that needs it: bs4 costs a build ~45 ms of start-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar, cast
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.element import Comment, NavigableString, PageElement, PreformattedString

from .profile import CleaningRules
from .sanitize import (
    _FLATTENED,
    _IMAGE_TAGS,
    _KEEPS_LINE,
    _KEPT,
    _LINE_BLOCKS,
    _RAW_TEXT_PARENTS,
    _REMOVED,
    DROPPED_WITH_CONTENT,
    LAZY_SRC_ATTRIBUTES,
    LAZY_SRCSET_ATTRIBUTES,
    MAX_DEPTH,
    URL_ATTRIBUTES,
    _attribute,
    _escape,
    _image_source,
    _image_url,
    _image_urls,
    _largest_candidate,
    _normal_url,
    _Taken,
    url_scheme,
)
from .text import one_line

#: Elements an ``<iframe>``'s link is wrapped in a paragraph inside; elsewhere (in a
#: paragraph, a heading, inline) it stays a link.
_FLOW_CONTAINERS = frozenset(
    {"[document]", "body", "div", "section", "article", "main", "aside", "header", "footer",
     "blockquote", "li", "td", "th", "dd", "figure", "center", "form", "details", "nav"}
)  # fmt: skip

#: More too-deep tags than this under one parent: the parent is flattened instead (one step,
#: not one per tag: see :func:`_flatten_deep_markup`).
_FLATTEN_ONE_BY_ONE = 64


def bs4_pass(
    text: str,
    base_url: str | None,
    rules: CleaningRules,
    *,
    take_editor: bool,
    title: str | None,
    title_labels: int,
) -> tuple[_Taken, str]:
    """Stage 1 over ``text`` (already :func:`xml_safe`) on bs4's tree, for any body."""
    # The leading newline is whitespace to HTML; it keeps bs4 from warning (on stderr, every
    # night) that a body which starts with '<?xml' or looks like a URL is not HTML.
    soup = BeautifulSoup("\n" + text, "lxml")
    body = _body(soup)
    root: Tag = body or soup
    found = _survey(root, rules, take_editor=take_editor, title_labels=title_labels)
    # Read before anything is removed: decomposed tags lose their attributes.
    removed = _image_urls([image.attrs for image in found.removed_images], base_url)
    editor = _take_editor(found.editor_lines, rules)
    _drop_boilerplate(found)
    if title is not None and found.title_labels:
        _drop_title_lines(found.title_labels, rules, title)
    _flatten_deep_markup(found.too_deep)
    _normalize_urls(found, base_url)
    _link_frames(soup, found.frames, base_url)
    fragment = _serialize_contents(root) if body is not None else str(soup)
    return _Taken(editor, removed), fragment


#: A node to visit in :func:`_survey`: the node, its depth, and where it lies.
_Visit = tuple[PageElement, int, int]


@dataclass(slots=True)
class _Survey:
    """What stage 1 changes in a tree, found in one walk (see :func:`_survey`)."""

    rules: CleaningRules
    take_editor: bool
    #: Editor lines, outermost only: an editor line inside another goes with it, and the
    #: text of the outer one already holds its text.
    editor_lines: list[Tag] = field(default_factory=list)
    #: Comments, CDATA, doctypes, processing instructions outside removed subtrees.
    preformatted: list[PreformattedString] = field(default_factory=list)
    #: Outermost tags in :data:`DROPPED_WITH_CONTENT` or of a boilerplate class.
    dropped: list[Tag] = field(default_factory=list)
    #: Outermost tags deeper than :data:`MAX_DEPTH`, to be flattened to their text.
    too_deep: list[Tag] = field(default_factory=list)
    #: What follows the comment that marks the end of the article's text (outermost nodes).
    after_text: list[PageElement] = field(default_factory=list)
    #: ``<image>`` tags that stay in the tree (to be renamed ``<img>``).
    images: list[Tag] = field(default_factory=list)
    #: Tags with a URL attribute (:data:`URL_ATTRIBUTES`, ``<image>`` counted as ``<img>``)
    #: that stay in the tree as tags.
    linked: list[Tag] = field(default_factory=list)
    #: ``<iframe>`` tags outside removed content: each becomes a link, or goes.
    frames: list[Tag] = field(default_factory=list)
    #: Images (``<img>``, ``<image>``) in content that is removed, or flattened to its text.
    removed_images: list[Tag] = field(default_factory=list)
    #: Text that holds a title label (when looked for), in document order.
    title_labels: list[NavigableString] = field(default_factory=list)

    def sort(self, tag: Tag, depth: int, where: int) -> int | None:
        """Note what becomes of ``tag``; return where its children lie, None to skip them."""
        rules = self.rules
        if self.take_editor and rules.is_editor_line(tag.name, tag.attrs):
            # Taken before anything is dropped, wherever it is: its text as parsed is the name.
            self.editor_lines.append(tag)
            self.removed_images.extend(
                cast(Tag, node) for node in (tag, *tag.descendants) if _is_image(node)
            )
            return None
        if where == _REMOVED:
            if tag.name in _IMAGE_TAGS:
                self.removed_images.append(tag)
            return where if self.take_editor else None
        if tag.name in DROPPED_WITH_CONTENT or rules.drops(tag.name, tag.attrs):
            return self.drop(tag, where)
        if where == _FLATTENED:
            if tag.name in _IMAGE_TAGS:
                self.removed_images.append(tag)
            return where  # its comments and dropped tags still go before its text is taken
        if depth > MAX_DEPTH:
            self.too_deep.append(tag)
            return _FLATTENED
        name = tag.name
        if name == "image":
            self.images.append(tag)
            name = "img"
        if name in URL_ATTRIBUTES:
            self.linked.append(tag)
        return _KEPT

    def drop(self, tag: Tag, where: int) -> int | None:
        """Note a tag dropped with its content (but an ``<iframe>`` becomes a link)."""
        if tag.name == "iframe" and where == _KEPT and not self.rules.drops("iframe", tag.attrs):
            self.frames.append(tag)  # an embedded player, not the site's boilerplate
            return None
        self.dropped.append(tag)
        if tag.name in _IMAGE_TAGS:
            self.removed_images.append(tag)
        # Editor lines inside are still taken (the first pass looks for them everywhere).
        return _REMOVED if self.take_editor else None

    def note(self, text: PreformattedString, where: int) -> bool:
        """Note a comment, CDATA, doctype or processing instruction met at ``where``; return
        whether it is the first one that marks the end of the article's text."""
        if where == _REMOVED:
            return False
        self.preformatted.append(text)
        return (
            where == _KEPT
            and not self.after_text
            and isinstance(text, Comment)
            and self.rules.ends_article(text)
        )

    def cut(self, following: list[_Visit]) -> list[_Visit]:
        """``following`` (the walk's stack when the end of the text was met), with every node
        in it marked as removed. Blank text stays: it carries nothing, and the markup around
        the cut keeps its layout."""
        kept: list[_Visit] = []
        for node, depth, _ in following:
            if type(node) is NavigableString and not node.strip():
                kept.append((node, depth, _KEPT))
            else:
                self.after_text.append(node)
                kept.append((node, depth, _REMOVED))
        return kept


def _survey(
    root: Tag, rules: CleaningRules, *, take_editor: bool, title_labels: int = 0
) -> _Survey:
    """Find, in one walk over ``root``'s descendants, everything stage 1 removes or rewrites.

    Replaces one ``find_all`` per kind, which cost ~40% of stage 1 (bs4 matches every node
    against every filter). The lists hold the nodes the separate searches acted on, except
    those inside a subtree that is removed anyway: acting on them changed nothing (a
    decomposed tag has no text, and decomposing it again does nothing). Kept text holding
    a title label is noted too, until ``title_labels`` of them are found (the number in the
    body's text: most text is not looked at).
    """
    found = _Survey(rules, take_editor)
    label = rules.title_label.search if title_labels and rules.title_label else None
    labels = found.title_labels
    # An explicit stack, not recursion: nesting may be 100,000 deep. Children are pushed in
    # reverse so that nodes come off in document order (the first editor line wins).
    stack: list[_Visit] = [(child, 1, _KEPT) for child in reversed(root.contents)]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, Tag):
            inside = found.sort(node, depth, where)
            if inside is not None and node.contents:
                stack.extend((child, depth + 1, inside) for child in reversed(node.contents))
        elif isinstance(node, PreformattedString):
            if found.note(node, where):
                # The stack holds exactly what follows the marker, outermost nodes only.
                stack = found.cut(stack)
        elif (
            label is not None
            and where == _KEPT
            and isinstance(node, NavigableString)
            and label(node) is not None
        ):
            labels.append(node)
            if len(labels) >= title_labels:
                label = None  # found them all
    return found


def _take_editor(lines: list[Tag], rules: CleaningRules) -> str | None:
    editor = None
    for line in lines:
        name = rules.editor_name(one_line(line.get_text(" ")))
        editor = editor or name or None
    _remove(lines)
    return editor


def _drop_boilerplate(found: _Survey) -> None:
    # comments, CDATA, doctypes, processing instructions; dropped tags with their content;
    # what follows the end of the text
    _remove([*found.preformatted, *found.dropped, *found.after_text])


def _remove(nodes: Sequence[PageElement], *, decompose: bool = True) -> None:
    """Take ``nodes`` out of the tree, in time linear in the number of their siblings.

    ``extract()`` finds a node's place by scanning its parent's children: removing the
    100,000 comments of a hostile paragraph one by one took hours. Here each parent's
    children are reordered once, the leaving ones last, and each is extracted from the end,
    where it is known to be (``extract``'s ``_self_index``). The siblings' links are the
    nodes' own, so the order of the list does not matter to them.
    """
    for parent, children in _by_parent(nodes):
        gone = {id(child) for child in children}
        contents = parent.contents
        contents[:] = [child for child in contents if id(child) not in gone] + children
        for child in reversed(children):
            child.extract(_self_index=len(contents) - 1)
            if decompose and isinstance(child, Tag):
                child.decompose()  # frees the subtree at once, not at the next collection


_Node = TypeVar("_Node", bound=PageElement)


def _by_parent(nodes: Sequence[_Node]) -> list[tuple[Tag, list[_Node]]]:
    """``nodes`` (those still in the tree) grouped by parent, each group in document order."""
    groups: dict[int, tuple[Tag, list[_Node]]] = {}
    for node in nodes:
        if node.parent is not None:
            groups.setdefault(id(node.parent), (node.parent, []))[1].append(node)
    return list(groups.values())


def _flatten_deep_markup(too_deep: list[Tag]) -> None:
    for parent, tags in _by_parent(too_deep):
        if len(tags) > _FLATTEN_ONE_BY_ONE:
            # Each replace_with() scans the parent's children: thousands of too-deep siblings
            # (a hostile body) would take hours. Their parent, one level up, goes instead.
            parent.replace_with(parent.get_text())
            continue
        for tag in tags:
            tag.replace_with(tag.get_text())


def _normalize_urls(found: _Survey, base_url: str | None) -> None:
    """Resolve URL attributes against ``base_url``; drop those with a scheme not allowed.

    nh3 checks the scheme of ``href`` and ``src`` only, not of ``cite``, so every URL
    attribute is checked here, the way a browser reads it (:func:`url_scheme`). An image's
    ``src`` is the one it would show once its scripts ran (:func:`_image_source`).
    """
    for tag in found.images:
        tag.name = "img"  # what the HTML5 parser in stage 2 makes of it; resolved here, once
    for tag in found.linked:
        if tag.name == "img":
            url = _image_source(tag.attrs, base_url, partial(_picture_source, tag))
            if url is not None:
                tag["src"] = url
            elif "src" in tag.attrs:
                del tag["src"]
            continue
        attribute = URL_ATTRIBUTES[tag.name]
        value = tag.get(attribute)
        if not isinstance(value, str):
            continue
        url = _normal_url(value, base_url)
        if url is None:
            del tag[attribute]
        else:
            tag[attribute] = url


def _is_image(node: PageElement) -> bool:
    return type(node) is Tag and node.name in _IMAGE_TAGS


def _picture_source(tag: Tag, base_url: str | None) -> str | None:
    """The largest candidate of the first ``<source>`` (with one) of the ``<picture>`` that
    holds ``tag``. libxml2 does not know ``<source>`` is empty: the sources may nest, and hold
    the image."""
    picture = tag.parent
    while picture is not None and picture.name == "source":
        picture = picture.parent
    if picture is None or picture.name != "picture":
        return None
    for node in picture.descendants:
        if type(node) is Tag and node.name == "source":
            attributes = node.attrs
            for name in (*LAZY_SRCSET_ATTRIBUTES, "srcset"):
                url = _largest_candidate(attributes.get(name), base_url)
                if url is not None:
                    return url
    return None


def _link_frames(soup: BeautifulSoup, frames: list[Tag], base_url: str | None) -> None:
    """Make each ``<iframe>`` (an embedded player, say) a link to its http(s) address, in a
    paragraph of its own where one may stand; the text is its ``title``, else the address.
    A frame with no http(s) address goes. The frame's tag is renamed, not replaced:
    ``replace_with`` scans the parent's children, once per frame."""
    gone: list[Tag] = []
    for frame in frames:
        url = _frame_url(frame.attrs, base_url)
        if url is None:
            gone.append(frame)
            continue
        title = frame.get("title")
        text = (one_line(title) if isinstance(title, str) else "") or url
        _remove(list(frame.contents))  # fallback text
        parent = frame.parent
        if parent is not None and parent.name in _FLOW_CONTAINERS:
            frame.name, frame.attrs = "p", {}
            frame.append(soup.new_tag("a", attrs={"href": url}, string=text))
        else:  # inside a paragraph, a heading, a link...: the link alone
            frame.name, frame.attrs = "a", {"href": url}
            frame.append(text)
    _remove(gone)


def _frame_url(attributes: Mapping[str, object], base_url: str | None) -> str | None:
    """The absolute http(s) address a frame loads (a lazy attribute first, then ``src``)."""
    for name in (*LAZY_SRC_ATTRIBUTES, "src"):
        url = _image_url(attributes.get(name), base_url)
        if url is not None and url_scheme(url) is not None and _has_host(url):
            return url
    return None


def _has_host(url: str) -> bool:
    try:
        return bool(urlsplit(url).netloc)
    except ValueError:  # 'http://['
        return False


# -- the title line ----------------------------------------------------------------------------


def _drop_title_lines(texts: list[NavigableString], rules: CleaningRules, title: str) -> None:
    """Drop each paragraph or line (up to a ``<br>``) holding one of ``texts`` that is only a
    title label, its colon and ``title``, and holds no image or frame. A ``<br>`` that
    ended it goes too; the emptied paragraph goes in stage 2 (_tidy). Each line is read
    once, however many labels it holds: the time is linear in the size of the body."""
    seen: set[int] = set()  # the nodes of the lines read
    dropped: dict[int, PageElement] = {}  # by id: two lines may end at the same <br>
    for text in texts:
        line = _line_around(text, seen)
        if line is None:
            continue  # read already, or it went with an earlier line
        nodes, delimiter = line
        seen.update(id(node) for node in nodes)
        words = "".join(node.get_text() if isinstance(node, Tag) else str(node) for node in nodes)
        if not rules.repeats_title(words, title) or any(map(_holds_media, nodes)):
            continue
        dropped.update((id(node), node) for node in nodes)
        if delimiter is not None:
            dropped[id(delimiter)] = delimiter
    # At once (each call rebuilds the parents' lists of children); not decomposed: other lists
    # of the survey may hold tags in them (acted on harmlessly, out of the tree).
    _remove(list(dropped.values()), decompose=False)


def _line_around(
    text: NavigableString, seen: set[int]
) -> tuple[list[PageElement], Tag | None] | None:
    """The nodes of the line ``text`` is in: the siblings, within the nearest block, between
    two ``<br>`` or blocks; and the ``<br>`` that ends it (else the one before it). None if
    it is no longer in the tree, or one of the nodes ``seen``."""
    child: PageElement = text
    parent = text.parent
    while parent is not None and parent.name not in _LINE_BLOCKS:
        child, parent = parent, parent.parent
    if parent is None or id(child) in seen:
        return None
    before: list[PageElement] = []
    node = child.previous_sibling
    while node is not None and not _ends_line(node):
        before.append(node)
        node = node.previous_sibling
    previous = node
    after: list[PageElement] = []
    node = child.next_sibling
    while node is not None and not _ends_line(node):
        after.append(node)
        node = node.next_sibling
    delimiter = next(
        (tag for tag in (node, previous) if isinstance(tag, Tag) and tag.name == "br"), None
    )
    return [*reversed(before), child, *after], delimiter


def _ends_line(node: PageElement) -> bool:
    return isinstance(node, Tag) and (node.name == "br" or node.name in _LINE_BLOCKS)


def _holds_media(node: PageElement) -> bool:
    if not isinstance(node, Tag):
        return False
    return node.name in _KEEPS_LINE or any(
        type(inner) is Tag and inner.name in _KEEPS_LINE for inner in node.descendants
    )


def _serialize_contents(root: Tag) -> str:
    """``root.decode_contents()``, the same string, in about a quarter of the time.

    bs4 runs every node through its formatter objects; this does the same for the plain
    nodes left after stage 1: text (``&``, ``<``, ``>`` escaped), tags with string or
    list attribute values (sorted, quoted as bs4 quotes them), void elements as ``<br/>``.
    On anything else (e.g. a ``<meta charset>``, whose value bs4 rewrites, or text inside
    ``<script>``) the whole fragment is left to bs4. It walks ``descendants`` and closes
    tags by parent, as bs4's ``_event_stream`` does, so the structure is bs4's own.
    """
    pieces: list[str] = []
    open_tags: list[Tag] = []
    for node in root.descendants:
        parent = node.parent
        while open_tags and open_tags[-1] is not parent:
            pieces.append(f"</{open_tags.pop().name}>")
        node_type = type(node)
        if node_type is NavigableString:
            if parent is not None and parent.name in _RAW_TEXT_PARENTS:
                return root.decode_contents()
            pieces.append(_escape(cast(NavigableString, node)))
        elif node_type is Tag:
            opening = _opening_tag(cast(Tag, node))
            if opening is None:
                return root.decode_contents()
            pieces.append(opening)
            if not cast(Tag, node).is_empty_element:
                open_tags.append(cast(Tag, node))
        else:
            return root.decode_contents()
    pieces.extend(f"</{tag.name}>" for tag in reversed(open_tags))
    return "".join(pieces)


def _opening_tag(tag: Tag) -> str | None:
    """The start tag bs4 writes for ``tag``; None if it is one this module leaves to bs4."""
    if tag.prefix or tag.hidden:
        return None
    parts = ["<", tag.name]
    for key, raw in sorted(tag.attrs.items()):
        if isinstance(raw, list | tuple):
            parts.append(_attribute(key, " ".join(raw)))
        elif type(raw) is str:
            parts.append(_attribute(key, raw))
        else:
            return None  # e.g. a charset bs4 substitutes, or a boolean attribute
    parts.append("/>" if tag.is_empty_element else ">")
    return "".join(parts)


def _body(soup: BeautifulSoup) -> Tag | None:
    """``soup.body``: the first ``<body>`` in document order.

    Without bs4's matching machinery (``soup.body`` is ``find("body")``, ~5% of a pass):
    libxml2 puts the body right after the head, so the walk stops after a few nodes.
    """
    for node in soup.descendants:
        if isinstance(node, Tag) and node.name == "body":
            return node
    return None
