"""The SSRF guard's policy and URL checks. Nothing here opens a connection."""

from __future__ import annotations

import ipaddress
import re

import pytest

from routing.agent.tools.url_guard import (
    UrlFetchError,
    UrlRefused,
    check_url,
    is_public_address,
)

NOT_PUBLIC = {
    "loopback v4": "127.0.0.1",
    "loopback v4, end of range": "127.255.255.254",
    "loopback v6": "::1",
    "unspecified v4": "0.0.0.0",
    "unspecified v6": "::",
    "private 10/8": "10.0.0.1",
    "private 172.16/12": "172.16.5.4",
    "private 192.168/16": "192.168.1.1",
    "carrier-grade NAT 100.64/10": "100.64.0.1",
    "link-local v4": "169.254.1.1",
    "cloud metadata": "169.254.169.254",
    "link-local v6": "fe80::1",
    "unique-local v6 fc00::/7": "fc00::1",
    "unique-local v6 fd00::/8": "fd12:3456::1",
    "IPv4-mapped loopback": "::ffff:127.0.0.1",
    "IPv4-mapped private": "::ffff:10.0.0.1",
    "IPv4-mapped metadata": "::ffff:169.254.169.254",
    "6to4 of loopback": "2002:7f00:1::",
    "NAT64 of loopback": "64:ff9b::7f00:1",
    "multicast v4": "224.0.0.1",
    "multicast v6": "ff0e::1",
    "broadcast": "255.255.255.255",
    "reserved 240/4": "240.0.0.1",
    "documentation TEST-NET-1": "192.0.2.1",
    "benchmarking 198.18/15": "198.18.0.1",
}


@pytest.mark.parametrize("address", NOT_PUBLIC.values(), ids=list(NOT_PUBLIC))
def test_it_refuses_non_public_addresses(address):
    assert is_public_address(ipaddress.ip_address(address)) is False


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_it_allows_public_addresses(address):
    assert is_public_address(ipaddress.ip_address(address)) is True


REFUSED_URLS = {
    "file scheme": "file:///etc/passwd",
    "ftp scheme": "ftp://93.184.215.14/file",
    "gopher scheme": "gopher://93.184.215.14:70/_GET",
    "data scheme": "data:text/html,<script>alert(1)</script>",
    "javascript scheme": "javascript:alert(1)",
    "no scheme": "93.184.215.14/page",
    "no host": "http:///path",
    "credentials": "http://user:secret@93.184.215.14/",
    "whitespace": "http://93.184.215.14/a b",
    "backslash trick": "http://93.184.215.14\\@127.0.0.1/",
    "bad port": "http://93.184.215.14:99999/",
    "loopback": "http://127.0.0.1/",
    "loopback, other port": "http://127.0.0.1:8000/admin",
    "localhost": "http://localhost/",
    "localhost, upper case": "http://LOCALHOST/",
    "localhost, trailing dot": "http://localhost./",
    "localhost subdomain": "http://api.localhost/",
    "loopback v6": "http://[::1]/",
    "unspecified": "http://0.0.0.0/",
    "decimal IPv4": "http://2130706433/",
    "hex IPv4": "http://0x7f.1/",
    "octal IPv4": "http://017700000001/",
    "short IPv4": "http://127.1/",
    "IPv4-mapped v6": "http://[::ffff:127.0.0.1]/",
    "private": "http://192.168.0.1/",
    "carrier-grade NAT": "http://100.64.0.1/",
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "metadata, decimal": "http://2852039166/",
    "link-local v6": "http://[fe80::1]/",
    "unique-local v6": "https://[fd00::1]/",
}


@pytest.mark.parametrize("url", REFUSED_URLS.values(), ids=list(REFUSED_URLS))
async def test_it_refuses_urls(url):
    with pytest.raises(UrlRefused):
        await check_url(url)


async def test_it_refuses_a_name_that_resolves_to_loopback(fake_dns):
    fake_dns.add("evil.test", ["127.0.0.1"])
    with pytest.raises(UrlRefused, match=re.escape("evil.test resolves to 127.0.0.1")):
        await check_url("http://evil.test/")


async def test_it_refuses_a_name_when_any_of_its_addresses_is_private(fake_dns):
    fake_dns.add("mixed.test", ["93.184.215.14", "10.1.2.3"])
    with pytest.raises(UrlRefused, match=re.escape("10.1.2.3")):
        await check_url("https://mixed.test/")


async def test_it_reports_an_unresolvable_name_as_a_fetch_error(fake_dns):
    fake_dns.add("nowhere.test", [])
    with pytest.raises(UrlFetchError, match="could not resolve") as caught:
        await check_url("http://nowhere.test/")
    assert not isinstance(caught.value, UrlRefused)


async def test_it_accepts_a_public_address_and_pins_it():
    target = await check_url("http://93.184.215.14/path?q=1#frag")
    assert target.address == ipaddress.ip_address("93.184.215.14")
    assert (target.scheme, target.host, target.port, target.path) == (
        "http",
        "93.184.215.14",
        80,
        "/path?q=1",
    )


async def test_it_accepts_a_name_with_public_addresses_and_prefers_ipv4(fake_dns):
    fake_dns.add("example.test", ["2606:2800:21f:cb07:6820:80da:af6b:8b2c", "93.184.215.14"])
    target = await check_url("https://Example.TEST:8443/a")
    assert target.address == ipaddress.ip_address("93.184.215.14")
    assert target.host == "example.test"
    assert target.host_header == "example.test:8443"
    assert fake_dns.lookups == ["example.test"]


async def test_it_uses_the_policy_it_is_given(fake_dns):
    fake_dns.add("intranet.test", ["10.0.0.7"])
    target = await check_url("http://intranet.test/", allow_address=lambda a: a.is_private)
    assert str(target.address) == "10.0.0.7"
