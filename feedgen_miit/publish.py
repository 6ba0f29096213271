"""Write output files atomically, and not at all when their bytes did not change."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import PublishError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PublishResult:
    """Which files were replaced and which already held the same bytes."""

    written: tuple[Path, ...]
    unchanged: tuple[Path, ...]


def publish(output_dir: Path, files: Mapping[str, bytes]) -> PublishResult:
    """Write each ``name -> bytes`` under ``output_dir``, each file atomically."""
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PublishError(f"{output_dir}: cannot create the output folder: {error}") from error
    written: list[Path] = []
    unchanged: list[Path] = []
    for name in sorted(files):
        path = output_dir / name
        if write_atomic(path, files[name]):
            written.append(path)
        else:
            unchanged.append(path)
    return PublishResult(tuple(written), tuple(unchanged))


def write_atomic(path: Path, data: bytes) -> bool:
    """Replace ``path`` with ``data`` in one step; return ``False`` if it already held them.

    Readers of ``path`` see the old file or the new one, never a mix; on any failure the old
    file stays as it was. An unchanged file is not touched, so its mtime (and the HTTP
    ``Last-Modified``/``ETag`` derived from it) stays.
    """
    try:
        if path.read_bytes() == data:
            log.debug("%s: unchanged", path)
            return False
    except FileNotFoundError:
        pass
    except OSError as error:
        raise PublishError(f"{path}: cannot read the published file: {error}") from error
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as error:
        raise PublishError(f"{path.parent}: cannot write to the output folder: {error}") from error
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates 0600; a published feed must be readable by the web server.
        Path(temporary).chmod(0o666 & ~_umask())
        Path(temporary).replace(path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise PublishError(f"{path}: cannot write the file: {error}") from error
    _fsync_directory(path.parent)
    log.debug("%s: written (%d bytes)", path, len(data))
    return True


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; some filesystems cannot open a directory: that is fine.
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
