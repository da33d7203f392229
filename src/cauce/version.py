"""The package version, read by the build backend and `cauce version`."""

__version__ = "0.1.0"
