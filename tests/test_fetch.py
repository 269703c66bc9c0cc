"""The URL fetcher against a local web server: pages in, hostile links refused in one line."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service.fetch import FetchError, FetchLimits, fetch_page
from tests.fakes.pages import PageServer

PAGES = Path(__file__).parent / "data" / "pages"
GAZETTE = (PAGES / "gazette.html").read_bytes()
LOOPBACK = FetchLimits(timeout=5.0, allowed=(ipaddress.ip_network("127.0.0.1/32"),))


@pytest.fixture
def server() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


def test_fetches_a_page_with_its_charset(server: PageServer) -> None:
    server.route("/s", GAZETTE, content_type="text/html; charset=UTF-8")
    page = fetch_page(server.url("/s"), LOOPBACK)
    assert page.body == GAZETTE and page.charset == "UTF-8" and page.content_type == "text/html"
    assert page.url == server.url("/s")
    [(_, headers)] = server.requests
    assert headers["Host"] == f"127.0.0.1:{server.port}"


def test_follows_redirects_and_reports_the_final_address(server: PageServer) -> None:
    server.redirect("/old", "/mid")
    server.redirect("/mid", server.url("/new"), status=301)
    server.route("/new", GAZETTE)
    page = fetch_page(server.url("/old"), LOOPBACK)
    assert page.url == server.url("/new") and page.body == GAZETTE


def test_gzip_is_decoded(server: PageServer) -> None:
    server.route("/z", GAZETTE, gzip=True)
    assert fetch_page(server.url("/z"), LOOPBACK).body == GAZETTE


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/a.html", "only http:// and https://"),
        ("file:///etc/passwd", "only http:// and https://"),
        ("javascript:alert(1)", "only http:// and https://"),
        ("http://user:secret@example.com/", "user name or password"),
        ("http://[::1", "not a valid URL"),
        ("https:///nohost", "no host name"),
    ],
)
def test_bad_links_are_refused_before_any_connection(url: str, reason: str) -> None:
    with pytest.raises(FetchError, match=reason):
        fetch_page(url, LOOPBACK, resolver=_no_dns)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254", "::1", "fe80::1",
     "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "0.0.0.0", "224.0.0.1", "100.64.0.1"],
)  # fmt: skip
def test_private_and_local_addresses_are_refused(address: str) -> None:
    with pytest.raises(FetchError, match="private or local address"):
        fetch_page("http://news.example/story", FetchLimits(), resolver=lambda h, p: [address])


def test_a_host_with_one_private_address_among_public_ones_is_refused() -> None:
    with pytest.raises(FetchError, match="private or local address"):
        fetch_page(
            "http://news.example/",
            FetchLimits(),
            resolver=lambda h, p: ["93.184.216.34", "10.0.0.1"],
        )


def test_loopback_is_refused_unless_allowed(server: PageServer) -> None:
    server.route("/s", GAZETTE)
    with pytest.raises(FetchError, match=r"127\.0\.0\.1 points to a private or local address"):
        fetch_page(server.url("/s"), FetchLimits(timeout=5.0))
    assert server.requests == []


def test_a_redirect_to_a_private_address_is_refused(server: PageServer) -> None:
    server.redirect("/r", "http://169.254.169.254/latest/meta-data/")
    server.redirect("/r2", server.url("/s", host="127.0.0.2"))
    for path in ("/r", "/r2"):
        with pytest.raises(FetchError, match="private or local address"):
            fetch_page(server.url(path), LOOPBACK)


def test_redirect_loops_stop(server: PageServer) -> None:
    server.redirect("/a", "/b")
    server.redirect("/b", "/a")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch_page(server.url("/a"), LOOPBACK)
    assert len(server.requests) == 6


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/pdf", b"%PDF-1.4"), ("image/png", b"\x89PNG"), (None, b"<p>hi</p>")],
)
def test_other_content_types_are_refused(
    server: PageServer, content_type: str | None, body: bytes
) -> None:
    server.route("/f", body, content_type=content_type)
    with pytest.raises(FetchError, match="not a web page"):
        fetch_page(server.url("/f"), LOOPBACK)


def test_too_large_pages_are_refused_whatever_they_claim(server: PageServer) -> None:
    limits = FetchLimits(max_bytes=10_000, timeout=5.0, allowed=LOOPBACK.allowed)
    server.route("/big", b"<p>" + b"x" * 20_000)
    with pytest.raises(FetchError, match="larger than 10,000 bytes"):
        fetch_page(server.url("/big"), limits)
    server.route("/bomb", b"<p>" + b"\0" * 5_000_000, gzip=True)  # about 5 kB on the wire
    with pytest.raises(FetchError, match="larger than 10,000 bytes"):
        fetch_page(server.url("/bomb"), limits)


def test_a_slow_server_hits_the_deadline(server: PageServer) -> None:
    server.route("/slow", GAZETTE[:200], drip_seconds=0.05)  # 10 s for the page, 1 s allowed
    limits = FetchLimits(timeout=1.0, allowed=LOOPBACK.allowed)
    with pytest.raises(FetchError, match="too long"):
        fetch_page(server.url("/slow"), limits)


def test_error_statuses_and_dead_hosts_say_why(server: PageServer) -> None:
    server.route("/gone", b"gone", status=404)
    with pytest.raises(FetchError, match="answered 404 Not Found"):
        fetch_page(server.url("/gone"), LOOPBACK)
    with pytest.raises(FetchError, match="could not connect"):
        fetch_page("http://127.0.0.1:9/", LOOPBACK)  # the discard port: nothing listens
    with pytest.raises(FetchError, match="does not resolve"):
        fetch_page("http://nowhere.invalid/", LOOPBACK, resolver=_no_dns)


def _no_dns(host: str, port: int) -> list[str]:
    raise OSError("no DNS in tests")
