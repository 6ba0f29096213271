"""Publishing: checked before writing, all or nothing, atomic, idempotent, one build at a time."""

from __future__ import annotations

import ctypes
import errno
import gzip
import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from feedgen_miit import PublishError, build, delivery, make_settings
from feedgen_miit import publish as publish_module
from feedgen_miit import validate as validate_module
from feedgen_miit.index import ArticleIndex, fingerprint, index_path
from feedgen_miit.publish import (
    LockTimeoutError,
    output_lock,
    publish,
    remove_leftovers,
    remove_published,
)
from tests.atomcheck import SCHEMA, atom_problems
from tests.golden import EXAMPLES, GOLDEN
from tests.locks import lock_held

ATOM = "{http://www.w3.org/2005/Atom}"
GOOD = (GOLDEN / "atom.xml").read_bytes()


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """An output folder holding a published feed (the golden one)."""
    folder = tmp_path / "public"
    publish(folder, {"atom.xml": GOOD})
    return folder


def listing(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` (hidden ones included) with its bytes."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def newer_feed() -> bytes:
    """A valid feed with other bytes than the published one."""
    return GOOD.replace(b"<title>", b"<title>New: ", 1)


def test_the_shipped_schema_is_the_test_copy() -> None:
    shipped = files("feedgen_miit").joinpath("schemas", "atom.rng").read_bytes()
    assert shipped == SCHEMA.read_bytes()


def test_publish_writes_a_readable_file(tmp_path: Path) -> None:
    result = publish(tmp_path / "out", {"atom.xml": GOOD})
    target = tmp_path / "out" / "atom.xml"
    assert result.written == (target,)
    assert result.unchanged == ()
    assert target.read_bytes() == GOOD
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert sorted(path.name for path in target.parent.iterdir()) == ["atom.xml"]


def test_a_publish_removes_only_what_is_left(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A temporary renamed into place is gone: no unlink of it (a cold build of 10,000
    articles made 34,000 such calls, each failing), only of the old files' links."""
    removed: list[Path] = []
    real = publish_module._remove

    def noting(path: Path | None) -> None:
        if path is not None:
            removed.append(path)
        real(path)

    monkeypatch.setattr(publish_module, "_remove", noting)
    changed = GOOD.replace("新浪财经".encode(), "新浪".encode())
    publish(published, {"atom.xml": changed, "new.xml": GOOD})
    temporaries = [path for path in removed if re.fullmatch(r"\..+\.[0-9a-f]{8}", path.name)]
    assert temporaries == []
    assert [path.name for path in removed if path.name.endswith(".old")] != []  # atom.xml's
    assert sorted(path.name for path in published.iterdir()) == ["atom.xml", "new.xml"]


def test_unchanged_bytes_leave_the_file_untouched(published: Path) -> None:
    before = (published / "atom.xml").stat()
    result = publish(published, {"atom.xml": GOOD})
    after = (published / "atom.xml").stat()
    assert result.written == ()
    assert result.unchanged == (published / "atom.xml",)
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)


def test_a_replaced_file_keeps_its_mode(published: Path) -> None:
    (published / "atom.xml").chmod(0o640)
    publish(published, {"atom.xml": newer_feed()})
    assert (published / "atom.xml").stat().st_mode & 0o777 == 0o640


def _nodes(root: etree._Element, xpath: str) -> list[etree._Element]:
    found = root.xpath(xpath, namespaces={"a": ATOM[1:-1]})
    assert isinstance(found, list)
    return [node for node in found if isinstance(node, etree._Element)]


def _drop(xpath: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for node in _nodes(root, xpath):
            parent = node.getparent()
            assert parent is not None
            parent.remove(node)

    return mutate


def _set_text(xpath: str, text: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for node in _nodes(root, xpath):
            node.text = text

    return mutate


MUTATIONS = {
    "feed without id": _drop("/a:feed/a:id"),
    "entry without title": _drop("/a:feed/a:entry[1]/a:title"),
    "nobody is the author": _drop("//a:author"),
    "entry without content or link": _drop("/a:feed/a:entry[1]/*[self::a:content or self::a:link]"),
    "date without time zone": _set_text("/a:feed/a:updated", "2024-01-01T00:00:00"),
    "date that is no date": _set_text("/a:feed/a:entry[1]/a:published", "yesterday"),
}


def mutated(name: str) -> bytes:
    root = etree.fromstring(GOOD)
    MUTATIONS[name](root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_the_checker_agrees_with_the_independent_one(name: str) -> None:
    document = mutated(name)
    assert atom_problems(document), "the mutation should break the feed"
    assert validate_module.problems("atom.xml", document)


def _rules_node_by_node(root: etree._Element) -> list[str]:
    """The Schematron rules checked as they were before being compiled: each rule's test
    evaluated on each node of its context, one XPath at a time."""
    found = []
    namespaces = {"atom": ATOM[1:-1]}
    for rule in validate_module._schematron_rules():
        nodes = root.xpath(f"descendant-or-self::{rule.context}", namespaces=namespaces)
        assert isinstance(nodes, list)
        for node in nodes:
            assert isinstance(node, etree._Element)
            if not node.xpath(f"boolean({rule.test})", namespaces=namespaces):
                found.append(f"line {node.sourceline}: {rule.message}")
    return found


@pytest.mark.parametrize("name", [*sorted(MUTATIONS), "entries without author or link"])
def test_the_compiled_rules_find_what_each_rule_finds_node_by_node(name: str) -> None:
    if name in MUTATIONS:
        document = mutated(name)
    else:  # several entries break both entry rules at once, in document order
        root = etree.fromstring(GOOD)
        for xpath in ("/a:feed/a:author", "//a:entry[position() > 1]/a:author",
                      "//a:entry[position() > 1]/*[self::a:content or self::a:link]"):  # fmt: skip
            _drop(xpath)(root)
        document = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    root = etree.fromstring(document)
    expected = _rules_node_by_node(root)
    found = validate_module.atom_problems(root)
    assert [problem for problem in found if problem in expected] == expected
    if name not in MUTATIONS:
        assert len(expected) >= 4


def test_the_published_golden_feed_passes_both_checkers() -> None:
    assert atom_problems(GOOD) == []
    assert validate_module.problems("atom.xml", GOOD) == []


@pytest.mark.parametrize(
    ("name", "document", "reason"),
    [
        ("atom.xml", mutated("feed without id"), "Element feed failed to validate"),
        ("atom.xml", mutated("nobody is the author"), "must have an atom:author"),
        ("atom.xml", mutated("date without time zone"), "RFC 3339"),
        ("atom.xml", GOOD[:-40], "not well-formed XML"),
        ("feed.json", b'{"version": ', "not valid JSON"),
    ],
)
def test_an_invalid_file_is_not_published(
    published: Path, name: str, document: bytes, reason: str
) -> None:
    before = listing(published)
    with pytest.raises(PublishError, match="nothing was published") as caught:
        publish(published, {name: document})
    assert reason in str(caught.value)
    assert str(published / name) in str(caught.value)
    assert listing(published) == before


def test_one_invalid_file_stops_every_file(published: Path) -> None:
    before = listing(published)
    with pytest.raises(PublishError):
        publish(published, {"atom.xml": newer_feed(), "other.xml": b"<unclosed>"})
    assert listing(published) == before


@pytest.mark.parametrize("name", ["../atom.xml", "/etc/atom.xml", ".hidden.xml", "a/../b.xml", ""])
def test_output_names_stay_inside_the_folder(published: Path, name: str) -> None:
    with pytest.raises(PublishError, match="not a valid output file name"):
        publish(published, {name: GOOD})


def test_files_in_subfolders_are_published(tmp_path: Path) -> None:
    publish(tmp_path, {"atom.xml": GOOD, "categories/x.xml": GOOD})
    assert (tmp_path / "categories" / "x.xml").read_bytes() == GOOD


# -- failures injected at every step --------------------------------------------------------


def _fail(code: int) -> Callable[..., object]:
    def raiser(*args: object, **kwargs: object) -> object:
        raise OSError(code, os.strerror(code))

    return raiser


def _failing_on_the_second_call(real: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    calls: list[object] = []

    def replace(source: Any, target: Any) -> None:
        calls.append(target)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(source, target)

    return replace


def _fail_for_folders(real: Callable[[int], None]) -> Callable[[int], None]:
    def fsync(descriptor: int) -> None:
        if Path(f"/proc/self/fd/{descriptor}").is_dir():
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real(descriptor)

    return fsync


def _fail_for_temporaries(real: Callable[..., int]) -> Callable[..., int]:
    """``os.open`` that fails to create a file (a read-only folder), and opens the rest."""

    def open_(path: str | os.PathLike[str], flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real(path, flags, *args, **kwargs)

    return open_


def _syncfs_failing(descriptor: int) -> int:
    ctypes.set_errno(errno.EIO)
    return -1


STEPS: dict[str, tuple[object, str, Callable[..., object]]] = {
    "temporary file (read-only folder)": (os, "open", _fail_for_temporaries(os.open)),
    "write (disk full)": (os, "write", _fail(errno.ENOSPC)),
    "syncfs of the new files": (publish_module, "_syncfs", lambda: _syncfs_failing),
    "fsync of the file (no syncfs)": (publish_module, "_syncfs", lambda: None),
    "chmod": (os, "fchmod", _fail(errno.EPERM)),
    "rename": (os, "replace", _fail(errno.EIO)),
    "fsync of the folder": (os, "fsync", _fail_for_folders(os.fsync)),
}


@pytest.mark.parametrize("step", sorted(STEPS))
def test_a_failure_at_any_step_leaves_the_old_feed(
    published: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    before = listing(published)
    owner, name, replacement = STEPS[step]
    monkeypatch.setattr(owner, name, replacement)
    if step == "fsync of the file (no syncfs)":  # and the fallback's fsync fails
        monkeypatch.setattr(os, "fsync", _fail(errno.EIO))
    with pytest.raises(PublishError, match="nothing was published"):
        publish(published, {"atom.xml": newer_feed(), "second.xml": GOOD})
    monkeypatch.undo()
    assert listing(published) == before  # byte-identical, and no temporary files left


def test_a_rename_failing_on_the_second_file_puts_the_first_back(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(published, {"z.xml": GOOD})
    before = listing(published)
    monkeypatch.setattr(os, "replace", _failing_on_the_second_call(os.replace))
    with pytest.raises(PublishError, match=r"z\.xml: cannot replace"):
        publish(published, {"atom.xml": newer_feed(), "z.xml": newer_feed()})
    monkeypatch.undo()
    assert listing(published) == before


def test_without_hard_links_a_failed_rename_still_puts_the_first_file_back(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The old bytes are then read back just before the rename, not held for every file.
    publish(published, {"z.xml": GOOD})
    before = listing(published)
    monkeypatch.setattr(os, "link", _fail(errno.EPERM))
    monkeypatch.setattr(os, "replace", _failing_on_the_second_call(os.replace))
    with pytest.raises(PublishError, match=r"z\.xml: cannot replace"):
        publish(published, {"atom.xml": newer_feed(), "z.xml": newer_feed()})
    monkeypatch.undo()
    assert listing(published) == before


def test_a_stream_of_files_is_published_all_or_nothing_as_a_mapping_is(
    published: Path,
) -> None:
    before = listing(published)
    taken: list[str] = []

    def stream() -> Iterator[tuple[str, bytes]]:
        for name, data in [("atom.xml", newer_feed()), ("b.xml", GOOD), ("c.xml", b"<a>")]:
            taken.append(name)
            yield name, data

    with pytest.raises(PublishError, match="nothing was published"):
        publish(published, stream())
    assert taken == ["atom.xml", "b.xml", "c.xml"]
    assert listing(published) == before  # no temporary file left either
    result = publish(published, iter([("atom.xml", newer_feed()), ("b.xml", GOOD)]))
    assert [path.name for path in result.written] == ["atom.xml", "b.xml"]


def test_a_build_that_cannot_publish_exits_with_the_old_feed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "public"
    build(make_settings(EXAMPLES, output_dir=output))
    before = (output / "atom.xml").read_bytes()
    monkeypatch.setattr(os, "write", _fail(errno.ENOSPC))
    with pytest.raises(PublishError, match="No space left on device"):
        build(make_settings(EXAMPLES, output_dir=output, title="Another title"))
    monkeypatch.undo()
    assert (output / "atom.xml").read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_reported(published: Path) -> None:
    before = listing(published)
    published.chmod(0o555)
    try:
        with pytest.raises(PublishError, match="Permission denied"):
            publish(published, {"atom.xml": newer_feed()})
    finally:
        published.chmod(0o755)
    assert listing(published) == before


# -- the lock -------------------------------------------------------------------------------


@pytest.fixture
def lock_holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the output folder's lock (as a running build would)."""
    with lock_held(tmp_path / "public", tmp_path / "cache" / "note") as process:
        yield process


def test_a_second_build_waits_then_gives_up(
    tmp_path: Path, lock_holder: subprocess.Popen[str]
) -> None:
    with (
        pytest.raises(LockTimeoutError, match="another feedgen-miit build") as caught,
        output_lock(tmp_path / "public", timeout=0.3, note=tmp_path / "cache" / "note"),
    ):
        pytest.fail("the lock was taken twice")
    assert f"pid {lock_holder.pid}" in str(caught.value)
    assert "lock_timeout" in str(caught.value)


def test_a_killed_build_leaves_no_stale_lock(
    tmp_path: Path, lock_holder: subprocess.Popen[str]
) -> None:
    lock_holder.send_signal(signal.SIGKILL)
    lock_holder.wait(timeout=10)
    with output_lock(tmp_path / "public", timeout=0) as path:
        assert path == tmp_path / "public"


def test_the_lock_leaves_nothing_in_the_output_folder(tmp_path: Path) -> None:
    note = tmp_path / "cache" / "note"
    with output_lock(tmp_path / "public", timeout=0, note=note):
        assert list((tmp_path / "public").iterdir()) == []
        assert note.read_text().split()[0] == str(os.getpid())


def test_what_older_versions_left_in_the_web_root_is_removed(tmp_path: Path) -> None:
    output = tmp_path / "public"
    output.mkdir()
    for name in (
        ".feedgen-miit-cache.sqlite",
        ".feedgen-miit.lock",
        ".feedgen-miit-cache.sqlite-journal",
    ):
        (output / name).write_bytes(b"old")
    build(make_settings(EXAMPLES, output_dir=output))
    assert sorted(path.name for path in output.iterdir() if path.name.startswith(".")) == []


def test_the_next_build_removes_what_a_killed_one_left(tmp_path: Path) -> None:
    settings = make_settings(EXAMPLES, output_dir=tmp_path / "public")
    build(settings)
    # What a build killed between writing and renaming leaves (mkstemp names, hard links).
    leftovers = [".atom.xml.k2j4_x9Q", ".atom.xml.0123456789ab.old"]
    for name in leftovers:
        (tmp_path / "public" / name).write_bytes(b"<half")
    keep = [".atom.xml.notours", "atom.xml.bak", ".other.xml.k2j4_x9Q"]
    for name in keep:
        (tmp_path / "public" / name).write_bytes(b"user's")
    build(settings)
    names = {path.name for path in (tmp_path / "public").iterdir()}
    assert not names & set(leftovers)
    assert set(keep) <= names


def test_a_temporary_this_version_makes_is_a_leftover_it_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build killed while staging leaves its own temporaries (not mkstemp's any more):
    the sweep must know their names, in a folder the staging had to make, too."""
    output = tmp_path / "public"
    made: list[Path] = []
    real = publish_module._create_temporary

    def create_and_die(target: Path) -> tuple[int, Path]:
        descriptor, temporary = real(target)
        made.append(temporary)
        os.write(descriptor, b"<half")
        os.close(descriptor)
        raise KeyboardInterrupt  # killed before the file is written and renamed

    monkeypatch.setattr(publish_module, "_create_temporary", create_and_die)
    with pytest.raises(KeyboardInterrupt):
        publish(output, {"categories/a.xml": GOOD})
    monkeypatch.undo()
    (temporary,) = made
    assert temporary.parent == output / "categories"
    assert temporary.stat().st_mode & 0o777 == 0o600  # private until it is published
    temporary.write_bytes(b"<half")  # publish() cleaned up; a kill would not have
    assert remove_leftovers(output, ["categories/a.xml"]) == [temporary]
    temporary.write_bytes(b"<half")
    assert publish_module.sweep_leftovers(output) == [temporary]


def test_the_lock_is_released_after_a_build(tmp_path: Path) -> None:
    settings = make_settings(EXAMPLES, output_dir=tmp_path / "public", lock_timeout=0)
    build(settings)
    build(settings)
    with output_lock(tmp_path / "public", timeout=0):
        pass


def test_leftovers_are_found_listing_each_folder_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "public"
    names = {f"categories/c{number}.xml": GOOD for number in range(200)} | {"atom.xml": GOOD}
    publish(output, names)
    (output / "categories" / ".c7.xml.k2j4_x9Q").write_bytes(b"<half")
    (output / "categories" / ".c8.xml.0123456789ab.old").write_bytes(b"<half")
    (output / "categories" / ".c9.xml.notours").write_bytes(b"user's")
    listed: list[str] = []
    real_scandir = os.scandir

    def counting_scandir(path: str | os.PathLike[str]) -> Iterator[os.DirEntry[str]]:
        listed.append(os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", counting_scandir)
    removed = remove_leftovers(output, names)
    # Once per folder: listing categories/ once per feed was quadratic (minutes for 5,000).
    assert sorted(listed) == [str(output), str(output / "categories")]
    assert sorted(path.name for path in removed) == [".c7.xml.k2j4_x9Q", ".c8.xml.0123456789ab.old"]
    assert (output / "categories" / ".c9.xml.notours").exists()


@pytest.mark.parametrize("folder", ["categories", "articles"])
def test_nothing_is_written_through_a_linked_subfolder(tmp_path: Path, folder: str) -> None:
    output, elsewhere = tmp_path / "public", tmp_path / "elsewhere"
    elsewhere.mkdir()
    publish(output, {"atom.xml": GOOD})
    (output / folder).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(PublishError, match=f"{folder}: a symbolic link inside the output folder"):
        publish(output, {"atom.xml": newer_feed(), f"{folder}/a.xml": GOOD})
    with pytest.raises(PublishError, match="a symbolic link inside the output folder"):
        remove_leftovers(output, [f"{folder}/a.xml"])
    assert list(elsewhere.iterdir()) == []
    assert (output / "atom.xml").read_bytes() == GOOD  # all or nothing: nothing


def test_a_published_file_that_is_a_link_is_neither_read_nor_written(tmp_path: Path) -> None:
    output, secret = tmp_path / "public", tmp_path / "secret.xml"
    secret.write_bytes(b"secret")
    output.mkdir()
    (output / "atom.xml").symlink_to(secret)
    with pytest.raises(PublishError, match=r"atom\.xml: a symbolic link inside the output folder"):
        publish(output, {"atom.xml": GOOD})
    assert secret.read_bytes() == b"secret"


def test_a_pipe_where_a_file_goes_is_an_error_not_a_hang(tmp_path: Path) -> None:
    output = tmp_path / "public"
    output.mkdir()
    os.mkfifo(output / "atom.xml")
    with pytest.raises(PublishError, match=r"atom\.xml: not a regular file"):
        publish(output, {"atom.xml": GOOD})


def test_removing_through_a_linked_subfolder_is_refused(tmp_path: Path) -> None:
    output, elsewhere = tmp_path / "public", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.html").write_bytes(b"not ours")
    output.mkdir()
    (output / "articles").symlink_to(elsewhere, target_is_directory=True)
    assert remove_published(output, ["articles/a.html"]) == []
    assert (elsewhere / "a.html").read_bytes() == b"not ours"


def test_after_a_build_killed_while_publishing_its_leftovers_go_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A build killed while its article pages went out leaves temporaries in articles/ and
    # beside copies, where the next build writes nothing; it sweeps the whole tree then.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    settings = make_settings(EXAMPLES, output_dir=tmp_path / "public")
    build(settings)
    index = ArticleIndex.open(index_path(settings), fingerprint(settings))
    index.note_publishing(True)  # what a build killed after it leaves
    index.close()
    out = settings.output_dir
    page = next((out / "articles").glob("*.html")).name
    leftovers = [
        out / "articles" / f".{page}.ab12cd34",
        out / "articles" / f".{page}.gz.Zx9_yw8v",
        out / ".atom.xml.br.ivl2tmxb",
        out / "categories" / f".{page}.0123456789ab.old",
    ]
    kept = [out / ".well-known" / "security.txt", out / ".notes.txt.abcdefgh", out / ".htaccess"]
    for path in [*leftovers, *kept]:
        path.parent.mkdir(exist_ok=True)
        path.write_text("x")
    build(settings)
    assert [path for path in leftovers if path.exists()] == []
    assert all(path.exists() for path in kept)  # not ours: never touched
    # Published whole, the next build has nothing to sweep.
    index = ArticleIndex.open(index_path(settings), fingerprint(settings))
    assert not index.publishing_was_cut()
    index.close()


# -- precompressed copies, made in a thread ---------------------------------------------------


def _pages(count: int) -> dict[str, bytes]:
    return {
        f"articles/p{number}.html": f"<p>page {number}</p>".encode() * (50 + number)
        for number in range(count)
    }


def test_copies_made_in_a_thread_are_each_of_their_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish_module, "COMPRESSING_AHEAD", 3)
    output = tmp_path / "public"
    pages = _pages(40)
    result = publish(output, iter(pages.items()), compress=True)
    assert len(result.written) == 40
    assert len(result.copies) == 40 * len(delivery.compressors())
    for name, data in pages.items():
        assert gzip.decompress((output / f"{name}.gz").read_bytes()) == data
    assert not list(output.rglob(".*"))  # no temporaries left
    assert [thread.name for thread in threading.enumerate() if "compress" in thread.name] == []


def test_a_stream_is_read_at_most_a_few_files_ahead_of_its_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory stays bounded: a stream of listing pages is not all rendered (and held) while
    the compressing thread is behind."""
    monkeypatch.setattr(publish_module, "COMPRESSING_AHEAD", 4)
    may_compress = threading.Event()
    real = delivery.compressed

    def slow(data: bytes) -> dict[str, bytes]:
        may_compress.wait(10)
        return real(data)

    monkeypatch.setattr(delivery, "compressed", slow)
    pulled: list[str] = []

    def stream() -> Iterator[tuple[str, bytes]]:
        for name, data in _pages(30).items():
            pulled.append(name)
            yield name, data

    seen: list[int] = []

    def look_then_let_go() -> None:
        seen.append(len(pulled))
        may_compress.set()

    timer = threading.Timer(0.3, look_then_let_go)
    timer.start()
    publish(tmp_path / "public", stream(), compress=True)
    timer.join()
    assert seen == [4 + 1]  # the ones waiting, and the one that made the main thread wait
    assert len(pulled) == 30


def test_a_failure_in_the_compressing_thread_publishes_nothing(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = listing(published)
    calls: list[bytes] = []
    real = delivery.compressed

    def failing(data: bytes) -> dict[str, bytes]:
        calls.append(data)
        if len(calls) == 5:
            raise MemoryError
        return real(data)

    monkeypatch.setattr(delivery, "compressed", failing)
    with pytest.raises(MemoryError):
        publish(published, {"atom.xml": newer_feed(), **_pages(20)}, compress=True)
    assert listing(published) == before  # all or nothing, and no temporary left
    assert not (published / "articles").exists() or not list((published / "articles").iterdir())


def test_a_copy_the_thread_cannot_stage_publishes_nothing_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread stages copies ahead of the main thread: when one fails, the ones it staged
    and nobody took are removed too."""
    monkeypatch.setattr(publish_module, "COMPRESSING_AHEAD", 8)
    output, secret = tmp_path / "public", tmp_path / "secret"
    secret.write_bytes(b"secret")
    publish(output, {"articles/p0.html": b"<p>old</p>"})
    (output / "articles" / "p3.html.br").symlink_to(secret)
    with pytest.raises(PublishError, match=r"p3\.html\.br: a symbolic link"):
        publish(output, _pages(20), compress=True)
    assert sorted(path.name for path in (output / "articles").iterdir()) == [
        "p0.html",
        "p3.html.br",
    ]
    assert (output / "articles" / "p0.html").read_bytes() == b"<p>old</p>"
    assert secret.read_bytes() == b"secret"


def test_an_interrupt_as_a_copier_thread_starts_ends_the_publish_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SIGINT can land inside ``Thread.start()`` (the build's handler raises wherever the
    main thread is): the publish ends by that interrupt, never by joining a thread that
    never started ("cannot join thread before it is started", seen once in 30 runs)."""
    real = threading.Thread.start

    def interrupted(thread: threading.Thread) -> None:
        if thread.name.endswith("_1"):  # the first thread runs, the second never starts
            raise KeyboardInterrupt
        real(thread)

    monkeypatch.setattr(threading.Thread, "start", interrupted)
    output = tmp_path / "public"
    with pytest.raises(KeyboardInterrupt):
        publish(output, _pages(5), compress=True)
    assert not output.exists() or not list(output.rglob(".*"))  # no temporary left
