"""The reusable engine: no UI, no plotting.  See DESIGN.md for the layout."""

from . import _moved

_moved.install()
