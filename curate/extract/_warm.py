"""Imported by the extraction fork server: load heavy modules and models once."""

import trafilatura  # noqa: F401

from curate.extract import _page  # noqa: F401
from curate.extract._lang import warm
from curate.extract._url import domain_of

warm()
domain_of("example.org")
