"""Host and registered domain of a URL (public suffix list bundled, no downloads)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit


@lru_cache(maxsize=1)
def _extractor():
    import tldextract

    # suffix_list_urls=() -> use the snapshot bundled in the package; never fetch.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.lower().rstrip(".") if host else None


@lru_cache(maxsize=65536)
def domain_of(host: str | None) -> str | None:
    """Registered domain (``a.b.example.co.uk`` -> ``example.co.uk``); IPs stay as they are."""
    if not host:
        return None
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    parts = _extractor()(host)
    # tldextract >= 5.3 renamed registered_domain
    top = parts.top_domain_under_public_suffix if hasattr(parts, "top_domain_under_public_suffix") \
        else parts.registered_domain
    return top or host
