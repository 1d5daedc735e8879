"""Which links may be fetched: http(s) only, and on a server only public addresses (no SSRF).

:func:`check_public_url` resolves the link's host and refuses it when any address it resolves to
is loopback, private, link-local, multicast, reserved, unspecified or otherwise not globally
routable, IPv4 and IPv6 alike, looking inside IPv4-mapped (``::ffff:127.0.0.1``), 6to4 and NAT64
addresses. The fetcher calls it on every redirect hop and connects to the address it checked, so a
name that resolves again to something else (DNS rebinding) is never followed.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable

import httpx

from translator.news.errors import FetchError, UrlRefused

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]  # (host, port) -> the addresses it resolves to
SCHEMES = ("http", "https")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
ALLOW_HINT = "translator serve and translator follow allow them with --allow-private-urls"


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (``socket.getaddrinfo``, TCP). Raises FetchError when
    it resolves to none."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"{host}: the name does not resolve ({exc})") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_url(url: str) -> httpx.URL:
    """``url`` parsed and normalised by httpx, the parser that fetches it, and checked: http(s),
    a host, and a host name made of DNS labels (ASCII or IDNA, 1-63 characters each, at most 253
    in all) or an IP address. Raises UrlRefused naming what is wrong: anything httpx refuses
    (``0177.0.0.1``, ``1.2.3.04``, ``①②⑦.0.0.1``, a tab or a space in the host ...), an empty
    label (``a..b``), a bad port, another scheme."""
    if not isinstance(url, str):
        raise UrlRefused(f"{url!r}: a link must be text")
    try:
        parsed = httpx.URL(url.strip())
        port = parsed.port
        host = parsed.raw_host.decode("ascii").lower()
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        raise UrlRefused(f"{url!r}: not a valid link ({exc})") from None
    if parsed.scheme not in SCHEMES:
        raise UrlRefused(f"{url!r}: only http:// and https:// links are fetched")
    if not host:
        raise UrlRefused(f"{url!r}: the link names no host")
    if port is not None and not 0 < port < 65536:
        raise UrlRefused(f"{url!r}: not a valid link (port {port} is out of range)")
    if ":" not in host:  # an IPv6 literal was checked by httpx
        labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
        if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
            raise UrlRefused(
                f"{url!r}: not a valid link ({host!r} is not a host name: labels of letters, digits "
                "and hyphens, 1-63 characters each, separated by single dots)"
            )
    return parsed


def split_url(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an http(s) link as :func:`parse_url` reads it (the host in
    its ASCII form). Raises UrlRefused as ``parse_url``."""
    parsed = parse_url(url)
    host = parsed.raw_host.decode("ascii")
    return parsed.scheme, host, parsed.port or (443 if parsed.scheme == "https" else 80)


def _embedded_ipv4(ip: IpAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, 6to4 or NAT64 IPv6 address."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_rule(ip: IpAddress) -> str | None:
    """The rule a non-public address breaks: "loopback", "private", "link-local", "multicast",
    "reserved", "unspecified" or "non-public" (not globally routable, such as 100.64.0.0/10);
    None for a public address. An IPv4 address inside an IPv6 one is judged itself."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        return address_rule(inner)
    for rule, broken in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),
    ):
        if broken:
            return rule
    return None


def check_public_url(url: str, resolver: Resolver | None = None) -> list[IpAddress]:
    """The addresses ``url``'s host resolves to, every one of them public.

    ``resolver`` (host, port) -> address strings replaces ``socket.getaddrinfo`` (tests). Raises
    UrlRefused naming the rule when the scheme is not http(s) or any address is loopback,
    private, link-local, multicast, reserved, unspecified or not globally routable; FetchError
    when the host does not resolve.
    """
    _scheme, host, port = split_url(url)
    found = (resolver or resolve)(host, port)
    if not found:
        raise FetchError(f"{host}: the name does not resolve")
    addresses = []
    for text in found:
        try:
            ip = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
        except ValueError:
            raise UrlRefused(f"{url}: {host} resolves to {text!r}, not an IP address") from None
        rule = address_rule(ip)
        if rule is not None:
            raise UrlRefused(
                f"{url}: refused: {host} resolves to {ip}, a {rule} address; only public "
                f"addresses are fetched ({ALLOW_HINT})"
            )
        addresses.append(ip)
    return addresses
