"""What a request says about its client, read the same way everywhere."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid_address(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [::1]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address.

    Behind ``DIGIPLACE_TRUSTED_PROXIES`` reverse proxies (default none), each proxy appends
    the address it received the request from to ``X-Forwarded-For``; the client is the
    entry the outermost trusted proxy added. Entries further left can be forged by the
    client and are ignored."""
    remote = _valid_address(request.META.get("REMOTE_ADDR", "") or "")
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return _valid_address(forwarded[-proxies]) or remote
