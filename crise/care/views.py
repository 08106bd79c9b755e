"""C.A.RE views (filled in as the desk is built)."""

from crise.care import bp, models  # noqa: F401
