"""newsarchive: an archival crawler for Chinese regional news portals."""

from newsarchive import moved

__version__ = "0.1.0"

moved.install()
