"""The SSRF-safe fetcher, against real loopback servers.

Refusals are proven by a canary server on 127.0.0.1 (and ::1) that must see zero requests.
Fetching itself is proven against an origin on 127.0.0.2, admitted by the test-only
`allow_origin` policy; the production policy admits no loopback address at all.
"""

from __future__ import annotations

import gzip
import re
import threading

import pytest

from routing.agent.tools import url_fetch
from routing.agent.tools.url_fetch import MAX_CHARS, UrlFetchError, UrlRefused, fetch_text
from routing.agent.tools.url_guard import Target
from routing.tests.tools.loopback import (
    ORIGIN_ADDRESS,
    LoopbackServer,
    Reply,
    allow_origin,
    tls_contexts,
)

CANARY_FORMS = {
    "loopback": "http://127.0.0.1:{port}/",
    "localhost": "http://localhost:{port}/",
    "loopback v6": "http://[::1]:{port}/",
    "decimal": "http://2130706433:{port}/",
    "hex": "http://0x7f.1:{port}/",
    "octal": "http://017700000001:{port}/",
    "short": "http://127.1:{port}/",
    "unspecified": "http://0.0.0.0:{port}/",
    "IPv4-mapped v6": "http://[::ffff:127.0.0.1]:{port}/",
    "name resolving to loopback": "http://evil.test:{port}/",
    "name with one loopback address": "http://mixed.test:{port}/",
}


@pytest.fixture
def evil_dns(fake_dns):
    fake_dns.add("evil.test", ["127.0.0.1"])
    fake_dns.add("mixed.test", ["93.184.215.14", "127.0.0.1"])
    return fake_dns


@pytest.mark.parametrize("form", CANARY_FORMS.values(), ids=list(CANARY_FORMS))
async def test_it_never_reaches_the_canary(canary, evil_dns, form):
    with pytest.raises(UrlRefused):
        await fetch_text(form.format(port=canary.port))
    assert canary.hits == []


# Control: with a policy that admits everything, these forms do reach the canary, so its
# zero hits above mean the policy refused them (not that they pointed nowhere).
# localhost is refused by name before any policy; mixed.test would pick a public address.
REACHABLE_FORMS = {k: v for k, v in CANARY_FORMS.items() if "localhost" not in k and "one" not in k}


@pytest.mark.parametrize("form", REACHABLE_FORMS.values(), ids=list(REACHABLE_FORMS))
async def test_the_canary_sees_these_forms_when_a_policy_admits_them(canary, evil_dns, form):
    if "[::" in form and canary.v6 is None:
        pytest.skip("no IPv6 loopback on this host")
    with pytest.raises(UrlFetchError, match="HTTP 404"):
        await fetch_text(form.format(port=canary.port), allow_address=lambda address: True)
    assert len(canary.hits) == 1


@pytest.mark.parametrize("form", CANARY_FORMS.values(), ids=list(CANARY_FORMS))
async def test_it_never_follows_a_redirect_to_the_canary(canary, origin, evil_dns, form):
    origin.routes["/go"] = Reply(302, {"Location": form.format(port=canary.port)})
    with pytest.raises(UrlRefused):
        await fetch_text(origin.url("/go"), allow_address=allow_origin)
    assert [hit.path for hit in origin.hits] == ["/go"]
    assert canary.hits == []


async def test_it_connects_to_the_checked_address_not_a_second_lookup(canary, origin, fake_dns):
    # DNS rebinding: the first answer passes the check, a later one would point inside.
    fake_dns.add("rebind.test", ["127.0.0.2"], ["127.0.0.1"])
    origin.routes["/"] = Reply(body=b"<p>origin</p>")
    page = await fetch_text(f"http://rebind.test:{origin.port}/", allow_address=allow_origin)
    assert page.text == "origin"
    assert fake_dns.lookups == ["rebind.test"]
    assert [hit.host for hit in origin.hits] == [f"rebind.test:{origin.port}"]
    assert canary.hits == []


async def test_it_checks_every_redirect_hop_again(canary, origin, fake_dns):
    fake_dns.add("rebind.test", ["127.0.0.2"], ["127.0.0.1"])
    origin.routes["/"] = Reply(302, {"Location": "/again"})
    with pytest.raises(UrlRefused, match=re.escape("rebind.test resolves to 127.0.0.1")):
        await fetch_text(f"http://rebind.test:{origin.port}/", allow_address=allow_origin)
    assert fake_dns.lookups == ["rebind.test", "rebind.test"]
    assert [hit.path for hit in origin.hits] == ["/"]


async def test_it_refuses_to_connect_to_a_host_it_did_not_check():
    target = Target("http://a.test/", "http", "a.test", 80, "/", address=None)  # type: ignore[arg-type]
    backend = url_fetch._PinnedBackend(target)
    with pytest.raises(UrlRefused, match="unchecked host"):
        await backend.connect_tcp("b.test", 80)


@pytest.fixture
def tls_origin():
    pytest.importorskip("cryptography")
    server_context, client_context = tls_contexts("secure.test")
    try:
        server = LoopbackServer(ORIGIN_ADDRESS, tls=server_context)
    except OSError:
        pytest.skip(f"{ORIGIN_ADDRESS} is not a loopback address on this host")
    server.client_context = client_context
    yield server
    server.close()


async def test_it_speaks_tls_to_the_pinned_address_with_the_urls_name(
    tls_origin, fake_dns, monkeypatch
):
    monkeypatch.setattr(url_fetch, "_ssl_context", lambda: tls_origin.client_context)
    fake_dns.add("secure.test", ["127.0.0.2"])
    tls_origin.routes["/"] = Reply(body=b"<p>over TLS</p>")
    page = await fetch_text(f"https://secure.test:{tls_origin.port}/", allow_address=allow_origin)
    assert page.text == "over TLS"
    assert tls_origin.server_names == ["secure.test"]
    assert [hit.host for hit in tls_origin.hits] == [f"secure.test:{tls_origin.port}"]


async def test_it_rejects_a_certificate_for_another_name(tls_origin, fake_dns, monkeypatch):
    monkeypatch.setattr(url_fetch, "_ssl_context", lambda: tls_origin.client_context)
    fake_dns.add("other.test", ["127.0.0.2"])
    with pytest.raises(UrlFetchError, match="certificate is not valid"):
        await fetch_text(f"https://other.test:{tls_origin.port}/", allow_address=allow_origin)
    assert tls_origin.hits == []


async def test_it_extracts_readable_text_from_html(origin):
    origin.routes["/"] = Reply(
        headers={"Content-Type": "text/html; charset=utf-8"},
        body=(
            "<html><head><title>The  Title</title><style>p { color: red }</style>"
            "<script>steal()</script></head><body><h1>Heading</h1>"
            "<p>First   paragraph &amp; more.</p><noscript>enable js</noscript>"
            "<svg><title>icon</title></svg><p>Caf\u00e9 second</p></body></html>"
        ).encode(),
    )
    page = await fetch_text(origin.url("/"), allow_address=allow_origin)
    assert page.title == "The Title"
    assert page.text == "Heading\nFirst paragraph & more.\nCaf\u00e9 second"
    assert page.url == origin.url("/")
    assert page.truncated is False


async def test_it_reads_plain_text_in_its_charset(origin):
    origin.routes["/t"] = Reply(
        headers={"Content-Type": "text/plain; charset=iso-8859-1"},
        body="  Gr\u00fc\u00dfe\n\n  aus   Berlin ".encode("latin-1"),
    )
    page = await fetch_text(origin.url("/t"), allow_address=allow_origin)
    assert page.text == "Gr\u00fc\u00dfe\naus Berlin"


async def test_it_percent_encodes_a_non_ascii_path(origin):
    origin.routes["/caf%C3%A9?q=%C3%BC"] = Reply(body=b"<p>encoded</p>")
    page = await fetch_text(origin.url("/caf\u00e9?q=\u00fc"), allow_address=allow_origin)
    assert page.text == "encoded"


async def test_it_follows_up_to_three_redirects(origin):
    origin.routes["/1"] = Reply(301, {"Location": "/2"})
    origin.routes["/2"] = Reply(302, {"Location": origin.url("/3")})
    origin.routes["/3"] = Reply(307, {"Location": "page"})
    origin.routes["/page"] = Reply(body=b"<p>arrived</p>")
    page = await fetch_text(origin.url("/1"), allow_address=allow_origin)
    assert page.text == "arrived"
    assert page.url == origin.url("/page")


async def test_it_gives_up_after_three_redirects(origin):
    for n in range(1, 5):
        origin.routes[f"/{n}"] = Reply(302, {"Location": f"/{n + 1}"})
    origin.routes["/5"] = Reply(body=b"<p>too far</p>")
    with pytest.raises(UrlFetchError, match="more than 3"):
        await fetch_text(origin.url("/1"), allow_address=allow_origin)
    assert [hit.path for hit in origin.hits] == ["/1", "/2", "/3", "/4"]


async def test_it_returns_at_most_2000_characters(origin):
    origin.routes["/long"] = Reply(body=("<p>" + "word " * 5000 + "</p>").encode())
    page = await fetch_text(origin.url("/long"), allow_address=allow_origin)
    assert len(page.text) == MAX_CHARS == 2000
    assert page.truncated is True


async def test_it_stops_reading_at_the_byte_cap(origin):
    origin.routes["/big"] = Reply(
        headers={"Content-Type": "text/plain"}, body=b"a" * 500 + b" TAIL-AFTER-CAP"
    )
    page = await fetch_text(origin.url("/big"), allow_address=allow_origin, max_bytes=100)
    assert page.text == "a" * 100
    assert page.truncated is True


async def test_it_reads_only_the_first_megabyte_of_a_huge_page(origin):
    origin.routes["/huge"] = Reply(headers={"Content-Type": "text/plain"}, body=b"x" * 5_000_000)
    page = await fetch_text(origin.url("/huge"), allow_address=allow_origin)
    assert page.truncated is True
    assert page.text == "x" * MAX_CHARS


async def test_it_bounds_a_decompression_bomb(origin):
    origin.routes["/bomb"] = Reply(
        headers={"Content-Type": "text/plain", "Content-Encoding": "gzip"},
        body=gzip.compress(b"z" * 10_000_000),
    )
    page = await fetch_text(origin.url("/bomb"), allow_address=allow_origin, max_bytes=1000)
    assert page.text == "z" * 1000
    assert page.truncated is True


async def test_it_decodes_gzip_pages(origin):
    origin.routes["/gz"] = Reply(
        headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        body=gzip.compress(b"<p>compressed hello</p>"),
    )
    page = await fetch_text(origin.url("/gz"), allow_address=allow_origin)
    assert page.text == "compressed hello"


@pytest.mark.parametrize("content_type", ["application/json", "image/png", ""])
async def test_it_refuses_other_content_types(origin, content_type):
    origin.routes["/x"] = Reply(headers={"Content-Type": content_type}, body=b"{}")
    with pytest.raises(UrlFetchError, match="unsupported content type"):
        await fetch_text(origin.url("/x"), allow_address=allow_origin)


async def test_it_reports_http_errors(origin):
    with pytest.raises(UrlFetchError, match="HTTP 404"):
        await fetch_text(origin.url("/missing"), allow_address=allow_origin)


async def test_it_reports_a_closed_port(origin):
    origin.close()
    with pytest.raises(UrlFetchError, match="connection failed") as caught:
        await fetch_text(origin.url("/"), allow_address=allow_origin)
    assert not isinstance(caught.value, UrlRefused)


async def test_it_gives_up_on_a_slow_page(origin, monkeypatch):
    release = threading.Event()
    origin.routes["/slow"] = Reply(body=b"<p>late</p>", before=lambda: release.wait(5))
    monkeypatch.setattr(url_fetch, "TOTAL_TIMEOUT", 0.2)
    try:
        with pytest.raises(UrlFetchError, match=re.escape("did not load within 0.2 seconds")):
            await fetch_text(origin.url("/slow"), allow_address=allow_origin)
    finally:
        release.set()
