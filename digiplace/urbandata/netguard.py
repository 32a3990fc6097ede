"""Outgoing HTTP that a client can aim (user @contexts, subscription notifications, alert
webhooks), guarded against server-side request forgery.

A URL given by a client could otherwise make the platform read or poke addresses only it
can reach: the loopback, the local network, a cloud's metadata service (169.254.169.254).
``safe_request`` therefore:

- accepts only ``http`` and ``https`` URLs;
- resolves the host itself and refuses private, loopback, link-local, multicast, reserved
  and unspecified addresses, unless the host name or the address (or a network holding
  it) is listed in ``settings.URBANDATA_PRIVATE_HOSTS_ALLOWED`` (``"*"`` allows all: the
  demo and development);
- connects to the address it checked (a second DNS answer cannot swap it: no rebinding),
  sending the original host name as ``Host`` and, over TLS, as the server name checked
  against the certificate;
- follows at most ``MAX_REDIRECTS`` redirects, checking each new address the same way;
- reads at most ``max_bytes`` of the answer and gives up after ``timeout`` seconds in all.

Refusals raise ``UnsafeAddress``; any other failure (DNS, connection, timeout, TLS, too
large, too many redirects) raises ``FetchFailed``. An answer with an error status is no
failure here: the caller reads ``Response.status``.
"""

from __future__ import annotations

import http.client
import ipaddress
import json as jsonlib
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings

MAX_REDIRECTS = 5
DEFAULT_MAX_BYTES = 1_000_000
DEFAULT_TIMEOUT = 5.0
USER_AGENT = "DigiPlace-urbandata/1"
_REDIRECTS = {301, 302, 303, 307, 308}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class NetguardError(Exception):
    """Why an outgoing request was not made or got no answer."""


class UnsafeAddress(NetguardError):
    """The URL leads to an address the platform must not reach (or is not http/https)."""


class FetchFailed(NetguardError):
    """The request was allowed but failed: DNS, connection, TLS, timeout, size, redirects."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes
    # The URL that answered (after redirects).
    url: str
    reason: str = ""
    # Header names in lower case, for lookups that ignore case.
    _lower: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def header(self, name: str, default: str = "") -> str:
        return self._lower.get(name.lower(), default)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ``ValueError`` when it is not."""
        return jsonlib.loads(self.body)


def _allowed_entries() -> list[str]:
    configured: Iterable[str] = getattr(settings, "URBANDATA_PRIVATE_HOSTS_ALLOWED", []) or []
    return [entry.strip().lower() for entry in configured if entry and entry.strip()]


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return _is_public(mapped)
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def address_allowed(*, host: str, address: IPAddress) -> bool:
    """Whether the platform may connect to ``address`` (which ``host`` resolved to)."""
    if _is_public(address):
        return True
    entries = _allowed_entries()
    if "*" in entries:
        return True
    host = host.lower().strip("[]")
    for entry in entries:
        if entry in (host, str(address)):
            return True
        if "/" in entry:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


def _resolve(host: str, port: int, timeout: float) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    previous = socket.getdefaulttimeout()
    try:
        socket.setdefaulttimeout(timeout)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FetchFailed(f"{host} could not be resolved: {error}") from error
    finally:
        socket.setdefaulttimeout(previous)
    addresses: list[IPAddress] = []
    for info in infos:
        try:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        except ValueError:
            continue
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchFailed(f"{host} has no address.")
    return addresses


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str
    address: IPAddress


def _target(url: str, timeout: float) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeAddress(f"{url!r} is not a valid URL.") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeAddress(f"Only http and https URLs can be fetched, not {url!r}.")
    host = parts.hostname or ""
    if not host:
        raise UnsafeAddress(f"{url!r} names no host.")
    if parts.username or parts.password:
        raise UnsafeAddress("URLs with credentials are not fetched.")
    port = port or (443 if scheme == "https" else 80)
    addresses = _resolve(host, port, timeout)
    # Every address the name has must be allowed: the connection could use any of them.
    refused = [address for address in addresses if not address_allowed(host=host, address=address)]
    if refused:
        raise UnsafeAddress(
            f"{host} resolves to {refused[0]}, a private or local address the platform does "
            "not reach (URBANDATA_PRIVATE_HOSTS_ALLOWED)."
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return _Target(scheme, host, port, path, addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, address: IPAddress, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._address), self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, address: IPAddress, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._address = address
        self._ssl_context = kwargs.get("context") or ssl.create_default_context()

    def connect(self) -> None:
        raw = socket.create_connection((str(self._address), self.port), self.timeout)
        self.sock = self._ssl_context.wrap_socket(raw, server_hostname=self.host)


def _connection(target: _Target, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        return _PinnedHTTPSConnection(
            target.address,
            target.host,
            target.port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    return _PinnedHTTPConnection(target.address, target.host, target.port, timeout=timeout)


def _read_limited(response: http.client.HTTPResponse, max_bytes: int, deadline: float) -> bytes:
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchFailed(f"The answer is larger than {max_bytes} bytes.")
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise FetchFailed("The answer took too long.")
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise FetchFailed(f"The answer is larger than {max_bytes} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def safe_request(
    method: str,
    url: str,
    *,
    json: Any = None,
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    follow_redirects: bool = True,
) -> Response:
    """Send one HTTP request to a URL a client gave, within the guard described above.

    ``json`` is sent as an ``application/json`` body (unless ``headers`` names another
    Content-Type); ``data`` as given. Redirects are followed for GET and HEAD (and, as
    303 asks, with a GET after any method); other methods get the redirect back.
    """
    method = method.upper()
    body = data
    sent_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    if json is not None:
        body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":")).encode()
        sent_headers["Content-Type"] = "application/json"
    for name, value in (headers or {}).items():
        sent_headers[name] = value
    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchFailed(f"{url} took longer than {timeout:g} s.")
        target = _target(current, remaining)
        connection = _connection(target, remaining)
        try:
            connection.request(method, target.path, body=body, headers=sent_headers)
            answer = connection.getresponse()
            location = answer.getheader("Location")
            if follow_redirects and answer.status in _REDIRECTS and location:
                redirect_method = "GET" if answer.status == 303 else method
                if redirect_method in ("GET", "HEAD"):
                    answer.read(max_bytes)
                    current = urljoin(current, location)
                    if method != redirect_method:
                        method, body = redirect_method, None
                        sent_headers.pop("Content-Type", None)
                    continue
            content = b"" if method == "HEAD" else _read_limited(answer, max_bytes, deadline)
            received = dict(answer.getheaders())
            return Response(
                status=answer.status,
                headers=received,
                body=content,
                url=current,
                reason=answer.reason,
                _lower={name.lower(): value for name, value in received.items()},
            )
        except TimeoutError as error:
            raise FetchFailed(f"{current} took longer than {timeout:g} s.") from error
        except (OSError, http.client.HTTPException, ssl.SSLError) as error:
            raise FetchFailed(f"{current} could not be reached: {error}") from error
        finally:
            connection.close()
    raise FetchFailed(f"{url} redirects more than {MAX_REDIRECTS} times.")


def safe_get(url: str, **options: Any) -> Response:
    return safe_request("GET", url, **options)


__all__ = [
    "FetchFailed",
    "NetguardError",
    "Response",
    "UnsafeAddress",
    "address_allowed",
    "safe_get",
    "safe_request",
]
