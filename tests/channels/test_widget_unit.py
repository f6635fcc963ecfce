"""The widget channel's own logic, without a server: origins, the custom payload, the files."""
from __future__ import annotations

import pytest

from bot.channels import widget
from bot.channels.widget import OriginPolicy, WidgetInput, custom_message, parse_origins

OWN = {"HTTP_HOST": "bot.example.org", "wsgi.url_scheme": "https"}


def test_parse_origins_accepts_lists_and_comma_strings():
    assert parse_origins(None) is None
    assert parse_origins("") is None
    assert parse_origins("https://a.example, https://B.example/") == ["https://a.example", "https://b.example"]
    assert parse_origins(["https://a.example "]) == ["https://a.example"]


def test_development_default_is_own_origin_and_localhost_only():
    policy = OriginPolicy.from_config(None, env={})
    assert policy("https://bot.example.org", OWN)
    assert policy("http://localhost:3000", OWN)
    assert policy("http://127.0.0.1:8080", OWN)
    assert not policy("https://evil.example", OWN)
    assert not policy("http://localhost.evil.example", OWN)
    assert not policy(None, OWN)


def test_configured_origins_replace_the_localhost_default():
    policy = OriginPolicy.from_config(["https://www.example.org"], env={})
    assert policy("https://www.example.org", OWN)
    assert policy("https://bot.example.org", OWN)  # its own demo page
    assert not policy("http://localhost:3000", OWN)
    assert not policy("https://evil.example", OWN)


def test_the_environment_overrides_credentials_and_star_allows_any():
    policy = OriginPolicy.from_config(["https://www.example.org"], env={widget.ORIGINS_ENV: "https://shop.example"})
    assert policy("https://shop.example", OWN) and not policy("https://www.example.org", OWN)
    assert OriginPolicy.from_config(None, env={widget.ORIGINS_ENV: "*"})("https://anything.example", OWN)
    # Set but empty: the credentials apply.
    assert OriginPolicy.from_config(["https://www.example.org"], env={widget.ORIGINS_ENV: ""})("https://www.example.org", OWN)


def test_custom_json_is_sent_under_custom_with_labels_and_the_contract_untouched():
    assessment = {
        "triage": "routine",
        "causes": [{"id": "restless_legs_syndrome", "likelihood": 0.8, "because": ["urge_to_move"], "against": []}],
        "red_flags": [],
        "evidence": {"present": ["urge_to_move"], "absent": []},
        "version": 1,
    }
    sent = custom_message({"assessment": assessment})
    assert sent["custom"]["assessment"] == assessment
    labels = sent["custom"]["labels"]
    assert labels["triage"]["id"] == "routine" and labels["triage"]["what_to_do"]
    assert labels["causes"]["restless_legs_syndrome"]
    assert labels["features"]["urge_to_move"]
    assert "not a doctor" in labels["disclaimer"]
    assert custom_message({"other": 1}) == {"custom": {"other": 1}}


def test_credentials_defaults_and_the_root_path_is_refused():
    channel = WidgetInput.from_credentials(None)
    assert channel.session_persistence is True
    assert channel.widget_path == "/chat"
    assert channel.socketio_path == "/socket.io"
    assert WidgetInput.from_credentials({"widget_path": "help/chat/"}).widget_path == "/help/chat"
    with pytest.raises(ValueError):
        WidgetInput.from_credentials({"widget_path": "/"})


def test_every_served_file_exists_except_the_npm_client_when_not_installed():
    for name, (path, _) in widget.WIDGET_FILES.items():
        if path.is_relative_to(widget.SOCKETIO_CLIENT_DIR):
            continue
        assert path.is_file(), name
