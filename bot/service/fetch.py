"""Fetching a web page an admin named, treating the URL as hostile.

An admin's `/add URL` makes the bot's machine open a connection wherever the URL points, so a
typo or a forwarded link must not reach the machine's own services (a metadata endpoint, an
admin port on localhost, the office network). Every hop is checked:

- http and https only, no user name or password in the URL;
- the host name is resolved once, every address it resolves to must be public (unless
  `FetchLimits.allowed` names its network), and the connection goes to the address that was
  checked, so a second DNS answer cannot swap in a private one;
- at most `max_redirects` redirects, each checked like the first URL;
- an HTML content type, at most `max_bytes` after decompression, and one deadline for it all.

Blocking (httpx's sync client): the bot runs it in a worker thread.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "storybot/0.1 (+admin-requested article fetch)"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    """Why a page was not fetched; one line, safe to show to the admin."""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How far a fetch may go."""

    max_bytes: int = 2_000_000
    timeout: float = 20.0
    """Seconds for the whole fetch, redirects and body included."""
    max_redirects: int = 5
    allowed: tuple[IpNetwork, ...] = ()
    """Non-public networks that may be reached all the same (tests serve pages on loopback)."""


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A page's bytes and where they finally came from."""

    url: str
    """The last URL of the redirect chain: the page's address."""
    body: bytes
    content_type: str
    charset: str | None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def fetch_page(
    url: str,
    limits: FetchLimits | None = None,
    *,
    resolver: Resolver = system_resolver,
    transport: httpx.BaseTransport | None = None,
) -> FetchedPage:
    """GETs an HTML page, following at most `limits.max_redirects` checked redirects.

    Raises:
        FetchError: the URL or an address it leads to is not allowed, the server failed or
            was too slow, or the answer is not an HTML page within the size limit.
    """
    limits = limits or FetchLimits()
    deadline = time.monotonic() + limits.timeout
    current = _parse(url)
    with httpx.Client(
        transport=transport, trust_env=False, follow_redirects=False, timeout=limits.timeout
    ) as client:
        for _ in range(limits.max_redirects + 1):
            response = _open(client, current, limits, resolver, deadline)
            try:
                if response.status_code in REDIRECTS and "location" in response.headers:
                    current = _parse(str(current.join(response.headers["location"])))
                    continue
                return _read(response, current, limits, deadline)
            finally:
                response.close()
    raise FetchError(f"more than {limits.max_redirects} redirects")


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchError("that is not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError("only http:// and https:// links can be fetched")
    if not parsed.host:
        raise FetchError("the link has no host name")
    if parsed.userinfo:
        raise FetchError("links with a user name or password are not fetched")
    return parsed


def _open(
    client: httpx.Client,
    url: httpx.URL,
    limits: FetchLimits,
    resolver: Resolver,
    deadline: float,
) -> httpx.Response:
    """Sends the GET to an address of `url`'s host that was checked, with the host's name kept
    for the Host header and for TLS (SNI and certificate check)."""
    address = _checked_address(url, limits, resolver)
    pinned = url.copy_with(host=str(address))
    headers = {"Host": url.netloc.decode("ascii"), "User-Agent": USER_AGENT, "Accept": "text/html"}
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    try:
        request = client.build_request(
            "GET", pinned, headers=headers, extensions=extensions, timeout=_left(deadline)
        )
        return client.send(request, stream=True)
    except httpx.TimeoutException:
        raise FetchError("the site took too long to answer") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"could not connect to {url.host} ({type(exc).__name__})") from None


def _checked_address(url: httpx.URL, limits: FetchLimits, resolver: Resolver) -> IpAddress:
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(url.host, port)]
    except (OSError, UnicodeError, ValueError):
        raise FetchError(f"the host name {url.host} does not resolve") from None
    if not addresses:
        raise FetchError(f"the host name {url.host} does not resolve")
    for address in addresses:
        if not _public(address) and not any(address in net for net in limits.allowed):
            raise FetchError(f"{url.host} points to a private or local address ({address})")
    return addresses[0]


def _public(address: IpAddress) -> bool:
    """Whether `address` is on the public internet, looking through IPv6 wrappings of IPv4."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address in _NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            return _public(inner)
    return address.is_global and not address.is_multicast


def _read(
    response: httpx.Response, url: httpx.URL, limits: FetchLimits, deadline: float
) -> FetchedPage:
    if response.status_code != 200:
        raise FetchError(f"the site answered {response.status_code} {response.reason_phrase}")
    media, _, params = response.headers.get("content-type", "").partition(";")
    media = media.strip().lower()
    if media not in HTML_TYPES:
        raise FetchError(f"that is not a web page (content type {media or 'missing'})")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchError(_too_large(limits))
    body = bytearray()
    try:
        for chunk in response.iter_bytes():  # decompressed, as read: a gzip bomb stops at the cap
            body += chunk
            if len(body) > limits.max_bytes:
                raise FetchError(_too_large(limits))
            if time.monotonic() > deadline:
                raise FetchError("the site took too long to send the page")
    except httpx.TimeoutException:
        raise FetchError("the site took too long to send the page") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"the download failed ({type(exc).__name__})") from None
    return FetchedPage(str(url), bytes(body), media, _charset(params))


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError("the site took too long to answer")
    return left


def _too_large(limits: FetchLimits) -> str:
    return f"the page is larger than {limits.max_bytes:,} bytes"
