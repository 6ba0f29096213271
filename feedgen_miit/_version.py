"""The version, written once: pyproject.toml takes it from here (``dynamic``), so that the
program knows it without asking the installed distribution (``importlib.metadata`` took
25 ms of every ``--version``)."""

__version__ = "0.1.0"
