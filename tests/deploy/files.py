"""Readers of the deployment files for tests/deploy: the Dockerfile's stages, compose.yaml, the
Kubernetes manifests listed in deploy/k8s/kustomization.yaml, and the compose nginx config."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENTRYPOINT = ROOT / "deploy" / "docker" / "entrypoint.sh"
COMPOSE_NGINX = ROOT / "deploy" / "docker" / "nginx.conf"
ENV_EXAMPLE = ROOT / "deploy" / "docker" / "env.example"
COMPOSE = ROOT / "compose.yaml"
K8S = ROOT / "deploy" / "k8s"
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|_KEY$", re.IGNORECASE)


@dataclass
class Stage:
    name: str
    base: str                      # an image, or the name of an earlier stage
    instructions: List[Tuple[str, str]] = field(default_factory=list)   # (INSTRUCTION, arguments)

    def all(self, instruction: str) -> List[str]:
        return [args for name, args in self.instructions if name == instruction]


def dockerfile_instructions(text: str) -> List[Tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    logical: List[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    result = []
    for line in logical:
        name, _, args = line.partition(" ")
        result.append((name.upper(), args.strip()))
    return result


def dockerfile() -> Tuple[Dict[str, str], Dict[str, Stage]]:
    """The global ARG defaults and the stages by name (in order)."""
    args: Dict[str, str] = {}
    stages: Dict[str, Stage] = {}
    current: Optional[Stage] = None
    for name, arguments in dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if name == "FROM":
            words = arguments.split()
            base = words[0]
            stage_name = words[2] if len(words) > 2 and words[1].upper() == "AS" else f"#{len(stages)}"
            current = Stage(stage_name, base)
            stages[stage_name] = current
        elif current is None and name == "ARG":
            key, _, value = arguments.partition("=")
            args[key] = value
        elif current is not None:
            current.instructions.append((name, arguments))
    return args, stages


def stage_chain(stages: Dict[str, Stage], target: str) -> List[Stage]:
    """The target stage and the stages it is built FROM, the target first."""
    chain = [stages[target]]
    while chain[-1].base in stages:
        chain.append(stages[chain[-1].base])
    return chain


def effective(stages: Dict[str, Stage], target: str, instruction: str) -> Optional[str]:
    """The last `instruction` (USER, HEALTHCHECK, CMD...) in effect for `target`."""
    for stage in stage_chain(stages, target):
        found = stage.all(instruction)
        if found:
            return found[-1]
    return None


def healthcheck_command(healthcheck: str) -> List[str]:
    """The exec-form command of a HEALTHCHECK instruction's arguments."""
    _, _, command = healthcheck.partition("CMD ")
    return yaml.safe_load(command)


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def interpolation_defaults(value: object) -> object:
    """A compose value with `${VAR:-default}` replaced by its default (`${VAR:?..}` by None)."""
    if not isinstance(value, str):
        return value
    if re.fullmatch(r"\$\{[A-Z0-9_]+:\?[^}]*\}", value):
        return None
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)


def kubernetes_objects() -> List[dict]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    objects = []
    for resource in kustomization["resources"]:
        objects.extend(doc for doc in yaml.safe_load_all((K8S / resource).read_text(encoding="utf-8")) if doc)
    return objects


def of_kind(kind: str) -> List[dict]:
    return [item for item in kubernetes_objects() if item["kind"] == kind]


def pod_spec(workload: dict) -> dict:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: dict) -> dict:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    return workload["spec"]["template"]["metadata"]["labels"]


def workloads() -> List[dict]:
    return of_kind("Deployment") + of_kind("CronJob")


def endpoint_variables() -> set:
    """The environment variables endpoints.prod.yml names (Rasa refuses to start if one is unset)."""
    return set(re.findall(r"\$\{([A-Z0-9_]+)\}", (ROOT / "endpoints.prod.yml").read_text(encoding="utf-8")))


def nginx_blocks(text: str, keyword: str) -> Dict[str, str]:
    """`keyword NAME { body }` blocks (upstream, location, map, server) of an nginx config, by NAME
    ("" for a block without one)."""
    blocks = {}
    for match in re.finditer(rf"^\s*{keyword}(?:\s+([^{{;]+?))?\s*\{{", text, re.MULTILINE):
        depth, index = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        blocks[match.group(1) or ""] = text[match.end():index - 1]
    return blocks

