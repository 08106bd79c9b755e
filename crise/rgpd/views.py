"""Pages of the data protection."""

from crise.rgpd import bp, models  # noqa: F401
