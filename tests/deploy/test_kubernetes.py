"""The Kubernetes manifests (deploy/k8s, the resources of its kustomization.yaml): what an
operator relies on. kubernetes-validate checks their schema (scripts/validate_deploy.sh); no
cluster is used."""
from __future__ import annotations

import re

import pytest

from tests.deploy.files import (
    SECRET_NAME, dockerfile, effective, endpoint_variables, healthcheck_command, of_kind, pod_labels,
    pod_spec, workloads,
)

_, STAGES = dockerfile()
DEPLOYMENTS = {item["metadata"]["name"]: item for item in of_kind("Deployment")}
WORKLOADS = {item["metadata"]["name"]: item for item in workloads()}
CONFIG = {item["metadata"]["name"]: item for item in of_kind("ConfigMap")}


def containers(workload):
    return pod_spec(workload)["containers"]


def env_names(container):
    names = {entry["name"] for entry in container.get("env", [])}
    for source in container.get("envFrom", []):
        names |= set(CONFIG[source["configMapRef"]["name"]]["data"])
    return names


def selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def test_rasa_and_the_action_server_run_replicated():
    assert set(DEPLOYMENTS) == {"leg-triage-rasa", "leg-triage-actions"}
    for name, deployment in DEPLOYMENTS.items():
        assert deployment["spec"]["replicas"] >= 2, name


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_pods_run_as_the_images_non_root_user_without_privileges(name):
    spec = pod_spec(WORKLOADS[name])
    image_uid = int(effective(STAGES, "rasa", "USER").split(":")[0])
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == image_uid
    assert spec.get("automountServiceAccountToken") is False
    mounted = {volume["name"] for volume in spec.get("volumes", []) if "emptyDir" in volume}
    for container in containers(WORKLOADS[name]):
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert context["readOnlyRootFilesystem"] is True
        # Read-only image: Rasa unpacks the model under /tmp, so it must be a writable volume.
        tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
        assert tmp and tmp[0]["name"] in mounted, f"{name}: /tmp is not a writable volume"


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_every_container_has_requests_and_limits(name):
    for container in containers(WORKLOADS[name]):
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][bound]), (name, bound)


@pytest.mark.parametrize("name,target", [("leg-triage-rasa", "rasa"), ("leg-triage-actions", "actions")])
def test_each_server_has_readiness_and_liveness_probes_on_its_port(name, target):
    container = containers(DEPLOYMENTS[name])[0]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    for probe in ("readinessProbe", "livenessProbe"):
        assert probe in container, f"{name} has no {probe}"
        assert container[probe]["httpGet"]["port"] in ports
    # Ready means what the image's own health check means.
    image_check = healthcheck_command(effective(STAGES, target, "HEALTHCHECK"))[-1]
    path = re.sub(r"^http://[^/]+", "", image_check)
    assert container["readinessProbe"]["httpGet"]["path"] == path
    assert str(ports[container["readinessProbe"]["httpGet"]["port"]]) in image_check


def test_rasa_has_time_to_load_its_model_before_liveness_counts():
    container = containers(DEPLOYMENTS["leg-triage-rasa"])[0]
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 180


@pytest.mark.parametrize("name", ["leg-triage-rasa", "leg-triage-actions"])
def test_updates_replace_one_replica_at_a_time_without_losing_capacity(name):
    rolling = DEPLOYMENTS[name]["spec"]["strategy"]["rollingUpdate"]
    assert rolling["maxUnavailable"] == 0 and rolling["maxSurge"] >= 1


@pytest.mark.parametrize("name", ["leg-triage-rasa", "leg-triage-actions"])
def test_a_disruption_budget_keeps_one_replica_and_still_lets_nodes_drain(name):
    deployment = DEPLOYMENTS[name]
    budgets = [pdb for pdb in of_kind("PodDisruptionBudget")
               if selects(pdb["spec"]["selector"]["matchLabels"], pod_labels(deployment))]
    assert len(budgets) == 1, name
    assert 1 <= budgets[0]["spec"]["minAvailable"] < deployment["spec"]["replicas"]


def test_services_select_their_deployments_pods_and_ports():
    services = {item["metadata"]["name"]: item for item in of_kind("Service")}
    for name, deployment in DEPLOYMENTS.items():
        service = services[name]
        assert selects(service["spec"]["selector"], pod_labels(deployment))
        assert not selects(service["spec"]["selector"], pod_labels(DEPLOYMENTS[
            next(other for other in DEPLOYMENTS if other != name)]))
        port_names = {port["name"] for port in containers(deployment)[0]["ports"]}
        assert {port["targetPort"] for port in service["spec"]["ports"]} <= port_names


STICKY = ("nginx.ingress.kubernetes.io/affinity", "nginx.ingress.kubernetes.io/upstream-hash-by")


def test_only_the_socketio_path_is_sticky_and_on_the_widgets_key():
    sticky, plain = [], []
    for ingress in of_kind("Ingress"):
        paths = [p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
        annotations = ingress["metadata"].get("annotations", {})
        (sticky if any(key in annotations for key in STICKY) else plain).append((paths, annotations))
    assert [paths for paths, _ in sticky] == [["/socket.io"]]
    # The widget's per-page `lb` value (bot/web/widget.js), never the client's address.
    assert sticky[0][1]["nginx.ingress.kubernetes.io/upstream-hash-by"] == "$arg_lb"
    assert plain and all("/" in paths for paths, _ in plain)


def test_every_ingress_path_reaches_the_rasa_service_port():
    service = next(item for item in of_kind("Service") if item["metadata"]["name"] == "leg-triage-rasa")
    port_names = {port["name"] for port in service["spec"]["ports"]}
    for ingress in of_kind("Ingress"):
        assert ingress["spec"]["tls"], "an HTTPS page can embed the widget only from an HTTPS server"
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["name"] == "leg-triage-rasa" and backend["port"]["name"] in port_names


def test_the_retention_cronjob_runs_once_at_a_time_and_gives_up():
    cronjob = WORKLOADS["leg-triage-retention"]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert len(cronjob["spec"]["schedule"].split()) == 5
    job = cronjob["spec"]["jobTemplate"]["spec"]
    assert job["backoffLimit"] <= 3 and job["activeDeadlineSeconds"] > 0
    assert containers(cronjob)[0]["args"] == ["retention"]


@pytest.mark.parametrize("name", ["leg-triage-rasa", "leg-triage-retention"])
def test_the_users_of_endpoints_prod_get_every_variable_it_names(name):
    assert endpoint_variables() <= env_names(containers(WORKLOADS[name])[0])


def test_the_action_endpoint_is_the_action_service():
    url = CONFIG["leg-triage-config"]["data"]["ACTION_ENDPOINT_URL"]
    service = next(item for item in of_kind("Service") if item["metadata"]["name"] == "leg-triage-actions")
    assert url == f"http://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}/webhook"


def test_secrets_are_references_only():
    assert not of_kind("Secret"), "Secret values do not belong in the repository"
    for config in CONFIG.values():
        assert not [key for key in config["data"] if SECRET_NAME.search(key)], config["data"]
    for name, workload in WORKLOADS.items():
        for container in containers(workload):
            for entry in container.get("env", []):
                if SECRET_NAME.search(entry["name"]):
                    assert "value" not in entry and "secretKeyRef" in entry["valueFrom"], (name, entry)


def test_the_action_server_gets_no_password_and_only_rasa_may_call_it():
    actions = containers(DEPLOYMENTS["leg-triage-actions"])[0]
    assert not [name for name in env_names(actions) if SECRET_NAME.search(name)]
    policies = [p for p in of_kind("NetworkPolicy")
                if selects(p["spec"]["podSelector"]["matchLabels"], pod_labels(DEPLOYMENTS["leg-triage-actions"]))]
    assert len(policies) == 1
    sources = [peer["podSelector"]["matchLabels"] for rule in policies[0]["spec"]["ingress"] for peer in rule["from"]]
    assert sources and all(selects(s, pod_labels(DEPLOYMENTS["leg-triage-rasa"])) for s in sources)
