"""The client address: X-Forwarded-For is believed only from TRUSTED_PROXIES."""

from ipaddress import ip_network

import pytest

from core.proxies import client_address, is_trusted_proxy

LOOPBACK = (ip_network("127.0.0.1/32"), ip_network("::1/128"))
NGINX_NET = (ip_network("172.30.0.0/24"),)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.7", "", LOOPBACK, "203.0.113.7"),
        ("127.0.0.1", "198.51.100.4", LOOPBACK, "198.51.100.4"),  # nginx on the same host
        ("127.0.0.1", "5.6.7.8, 198.51.100.4", LOOPBACK, "198.51.100.4"),  # the client's own
        ("10.0.0.5", "198.51.100.4", LOOPBACK, "10.0.0.5"),  # a private peer is not a proxy
        ("8.8.8.8", "198.51.100.1", LOOPBACK, "8.8.8.8"),  # no proxy: the header is a lie
        ("172.30.0.2", "81.2.69.160", NGINX_NET, "81.2.69.160"),
        ("172.30.0.2", "172.30.0.9, 81.2.69.160", NGINX_NET, "81.2.69.160"),
        ("172.30.0.2", "81.2.69.160, 172.30.0.9", NGINX_NET, "81.2.69.160"),  # two proxies
        ("127.0.0.1", "not-an-address", LOOPBACK, "127.0.0.1"),
        ("::ffff:127.0.0.1", "2001:db8::1", LOOPBACK, "2001:db8::1"),
        ("127.0.0.1", "198.51.100.4", (), "127.0.0.1"),  # TRUSTED_PROXIES empty
    ],
)
def test_it_takes_the_rightmost_address_no_trusted_proxy_wrote(peer, forwarded, trusted, expected):
    assert client_address(peer, forwarded, trusted) == expected


def test_it_trusts_loopback_only_by_default(settings):
    assert is_trusted_proxy("127.0.0.1")
    assert is_trusted_proxy("::1")
    assert not is_trusted_proxy("10.0.0.5")
    assert not is_trusted_proxy("192.168.1.1")
    assert not is_trusted_proxy("garbage")


def test_a_bad_trusted_proxies_value_names_the_variable(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from llmgateway.env import env_networks

    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1,nginx")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        env_networks("TRUSTED_PROXIES", [])
