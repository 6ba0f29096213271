"""The installed distribution's version (one definition for the API and the generator tag)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("feedgen-miit")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0"
