"""compose.yaml and its nginx (deploy/docker/nginx.conf): what an operator relies on. The file is
validated by `docker-compose config` in scripts/validate_deploy.sh; nothing here runs it."""
from __future__ import annotations

import json
import re

import pytest

from bot.texts import say
from tests.deploy.files import (
    COMPOSE_NGINX, ENTRYPOINT, ENV_EXAMPLE, SECRET_NAME, compose, dockerfile, effective,
    endpoint_variables, interpolation_defaults, nginx_blocks,
)

SERVICES = compose()["services"]
_, STAGES = dockerfile()
NGINX = COMPOSE_NGINX.read_text(encoding="utf-8")


def test_several_rasa_replicas_run_behind_nginx():
    assert SERVICES["rasa"]["deploy"]["replicas"] >= 2
    assert "rasa:5005" in NGINX


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_health_check_and_restarts(name):
    service = SERVICES[name]
    own = service.get("healthcheck")
    image_check = effective(STAGES, service["build"]["target"], "HEALTHCHECK") if "build" in service else None
    assert own or image_check, f"{name}: no health check (neither here nor in its image)"
    if own:
        assert own.get("test") and own.get("disable") is not True
    assert service.get("restart") in ("unless-stopped", "always"), f"{name}: restart {service.get('restart')}"


def test_only_nginx_is_published():
    assert [name for name, service in SERVICES.items() if service.get("ports")] == ["nginx"]
    host_address = interpolation_defaults(SERVICES["nginx"]["ports"][0]).split(":")[0]
    assert host_address == "127.0.0.1", "public only when the operator says so"


def test_the_action_server_gets_no_password():
    env = SERVICES["actions"].get("environment", {})
    assert not [name for name in env if SECRET_NAME.search(name)], env


def test_passwords_come_only_from_the_environment_and_are_required():
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                assert re.fullmatch(r"\$\{[A-Z0-9_]+:[?-][^}]*\}", str(value)), f"{name}.{key}={value!r}"
    for key in ("DB_PASSWORD", "REDIS_PASSWORD"):
        assert interpolation_defaults(SERVICES["rasa"]["environment"][key]) is None, f"{key} must be required"
    for line in ENV_EXAMPLE.read_text().splitlines():
        key, _, value = line.partition("=")
        if not line.startswith("#") and SECRET_NAME.search(key):
            assert value == "", f"env.example holds a value for {key}"


@pytest.mark.parametrize("name", ["rasa", "retention"])
def test_the_services_of_endpoints_prod_get_every_variable_it_names(name):
    assert endpoint_variables() <= set(SERVICES[name]["environment"]), name


def test_replicas_start_only_once_their_stores_are_healthy():
    needs = SERVICES["rasa"]["depends_on"]
    for store in ("postgres", "redis", "retention"):
        assert needs[store]["condition"] == "service_healthy", store


def test_the_retention_loop_is_healthy_only_after_a_recent_successful_run():
    service = SERVICES["retention"]
    assert service["command"] == ["retention-loop"]
    test = service["healthcheck"]["test"]
    mark = re.search(r"RETENTION_MARK:-([^}]+)\}", ENTRYPOINT.read_text()).group(1)
    assert test[test.index("--fresh") + 1] == mark
    max_age = int(interpolation_defaults(test[test.index("--fresh") + 2]))
    interval = int(interpolation_defaults(service["environment"]["RETENTION_INTERVAL_S"]))
    assert interval < max_age < 2 * interval


def test_images_not_built_here_are_pinned_to_a_version():
    for name, service in SERVICES.items():
        if "build" not in service:
            tag = service["image"].rsplit(":", 1)[-1]
            assert re.match(r"\d+\.\d+", tag), f"{name}: {service['image']} (a version, not latest)"


def test_rest_is_balanced_without_stickiness_and_socketio_sticks_to_the_widgets_key():
    upstreams = nginx_blocks(NGINX, "upstream")
    locations = nginx_blocks(NGINX, "location")
    rest = re.search(r"proxy_pass http://(\w+);", locations["/"]).group(1)
    assert re.search(rf"proxy_pass http://{rest};", locations["= /webhooks/rest/webhook"])
    socketio = re.search(r"proxy_pass http://(\w+);", locations["/socket.io/"]).group(1)
    assert rest != socketio
    assert not re.search(r"\b(ip_hash|hash|sticky)\b", upstreams[rest]), upstreams[rest]
    assert "least_conn" in upstreams[rest]
    key = re.search(r"hash \$(\w+) consistent;", upstreams[socketio]).group(1)
    # The widget's per-page `lb` value (bot/web/widget.js), sent with the handshake too.
    assert "default $arg_lb;" in nginx_blocks(NGINX, "map")[f"$arg_lb ${key}"]


def test_every_proxied_location_forwards_the_host_the_widget_checks_origins_against():
    # nginx drops every inherited proxy_set_header in a location that sets one of its own.
    server = nginx_blocks(NGINX, "server")
    assert server, "no server block"
    body = next(iter(server.values()))
    for header in ("Host $http_host", "X-Forwarded-Host $http_host", "Upgrade $http_upgrade"):
        assert f"proxy_set_header {header};" in body
    for name, location in nginx_blocks(NGINX, "location").items():
        if "proxy_pass" in location:
            assert "proxy_set_header" not in location, f"location {name} loses the server's headers"


@pytest.mark.parametrize("location,shape", [("@unavailable_rest", list), ("@unavailable", dict)])
def test_no_replica_answers_with_the_assistants_own_json_words(location, shape):
    unavailable = nginx_blocks(NGINX, "location")[location]
    assert "default_type application/json;" in unavailable
    body = re.search(r"return 503 '(.*)';", unavailable).group(1).replace("\\'", "'")
    answer = json.loads(body.replace("$rest_sender", "a-sender"))
    assert isinstance(answer, shape)
    text = answer[0]["text"] if shape is list else answer["message"]
    assert text == say("service.trouble")
    assert re.search(r"error_page 502 503 504 = @unavailable_rest;", nginx_blocks(NGINX, "location")["= /webhooks/rest/webhook"])
