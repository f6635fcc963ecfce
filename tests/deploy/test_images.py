"""The container images (deploy/docker/Dockerfile): what an operator relies on without building
them here (no container daemon on these machines; scripts/validate_deploy.sh lints the file)."""
from __future__ import annotations

import fnmatch
import re

import pytest

from tests.deploy.files import (
    DOCKERIGNORE, ENTRYPOINT, ROOT, SECRET_NAME, dockerfile, effective, endpoint_variables,
    healthcheck_command, stage_chain,
)

ARGS, STAGES = dockerfile()
IMAGES = ("rasa", "actions")


def base_image(target: str) -> str:
    base = stage_chain(STAGES, target)[-1].base
    return re.sub(r"\$\{(\w+)\}", lambda m: ARGS[m.group(1)], base)


@pytest.mark.parametrize("target", IMAGES)
def test_images_run_as_a_numeric_non_root_user(target):
    # Numeric, so Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
    user = effective(STAGES, target, "USER")
    assert user is not None, f"{target}: no USER, the image would run as root"
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"{target}: USER {user}"


@pytest.mark.parametrize("target", IMAGES)
def test_images_are_built_on_the_pinned_python_of_make_run(target):
    image = base_image(target)
    assert re.fullmatch(r"python:3\.10\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", image), image


def test_the_widget_stage_uses_a_pinned_node_image():
    image = re.sub(r"\$\{(\w+)\}", lambda m: ARGS[m.group(1)], STAGES["widget"].base)
    assert re.fullmatch(r"node:\d+\.\d+\.\d+-[\w-]+(@sha256:[0-9a-f]{64})?", image), image


def test_the_images_install_the_lock_files_of_make_run_with_its_pip():
    deps = STAGES["deps"]
    assert any("requirements.txt" in c and "constraints.txt" in c for c in deps.all("COPY"))
    install = " ".join(deps.all("RUN"))
    assert "sed '/^# tests/,$d' requirements.txt > requirements.serve.txt" in install, install
    assert re.search(r"pip install -r requirements\.serve\.txt -c constraints\.txt", install), install
    setup_pip = re.search(r'"pip==([\d.]+)"', (ROOT / "scripts" / "setup.sh").read_text()).group(1)
    image_pip = re.search(r'"pip==([\d.]+)"', install).group(1)
    assert image_pip == setup_pip, "the image and scripts/setup.sh must install with the same pip"
    # Both images run the venv built there, and the model is trained with it.
    assert any(c.startswith("--from=deps /app/.venv") for c in STAGES["app"].all("COPY"))
    for target in (*IMAGES, "model"):
        chain = [stage.name for stage in stage_chain(STAGES, target)]
        assert "deps" in chain or "app" in chain, (target, chain)


def test_what_the_images_leave_out_of_requirements_is_only_test_tools():
    # The images install requirements.txt above its "# tests" line; the code they serve must not
    # import anything below it.
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "\n# tests\n" in text, "requirements.txt lost its '# tests' section: the Dockerfile relies on it"
    serving, tests = text.split("\n# tests\n")
    assert re.search(r"^rasa==", serving, re.MULTILINE) and re.search(r"^rasa-sdk==", serving, re.MULTILINE)
    left_out = [re.split(r"[=<>\s]", line)[0].lower().replace("-", "_")
                for line in tests.splitlines() if line.strip() and not line.startswith("#")]
    assert "pytest" in left_out
    imported = set()
    for source in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")]:
        imported |= set(re.findall(r"^\s*(?:from|import) (\w+)", source.read_text(encoding="utf-8"), re.MULTILINE))
    assert not imported & set(left_out), imported & set(left_out)


def test_the_model_is_trained_at_build_time_by_the_script_of_make_model():
    assert "scripts/train.sh" in STAGES["model"].all("RUN")
    assert any(c.startswith("--from=model /app/models") for c in STAGES["rasa"].all("COPY"))


def test_the_widget_client_comes_from_npm_ci_where_the_channel_serves_it():
    from bot.channels.widget import SOCKETIO_CLIENT_DIR

    assert any(run.startswith("npm ci") for run in STAGES["widget"].all("RUN"))
    served = SOCKETIO_CLIENT_DIR.relative_to(ROOT).as_posix()
    copies = [c for c in STAGES["rasa"].all("COPY") if c.startswith("--from=widget")]
    assert copies and copies[0].split()[-1].rstrip("/") == served, copies


@pytest.mark.parametrize("target,port", [("rasa", "5005"), ("actions", "5055")])
def test_each_image_checks_its_own_health_on_its_exposed_port(target, port):
    healthcheck = effective(STAGES, target, "HEALTHCHECK")
    assert healthcheck, f"{target} has no HEALTHCHECK"
    assert effective(STAGES, target, "EXPOSE") == port
    command = healthcheck_command(healthcheck)
    assert command[-1].startswith(f"http://127.0.0.1:{port}/"), command
    assert (ROOT / command[1].replace("/app/", "", 1)).is_file(), command


def test_the_action_server_image_carries_no_model():
    assert "rasa" not in [stage.name for stage in stage_chain(STAGES, "actions")]
    assert not any("--from=model" in c for stage in stage_chain(STAGES, "actions") for c in stage.all("COPY"))


def test_no_secret_is_baked_into_an_image():
    for stage in STAGES.values():
        for instruction in ("ENV", "ARG"):
            for arguments in stage.all(instruction):
                names = re.findall(r"(\w+)=", arguments) or [arguments.split()[0]]
                assert not [n for n in names if SECRET_NAME.search(n)], f"{stage.name}: {instruction} {arguments}"


def _ignore_rules():
    lines = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _sent_to_the_build(path: str) -> bool:
    """Whether .dockerignore lets `path` into the build context (last matching rule wins)."""
    sent = True
    for rule in _ignore_rules():
        negated = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        if pattern == "**" or any(fnmatch.fnmatchcase(p, pattern) for p in prefixes):
            sent = negated
    return sent


@pytest.mark.parametrize("path", [".env", "deploy/.env", ".venv/bin/python", ".venv-deploy/lint/bin/hadolint",
                                  "node_modules/socket.io-client/dist/socket.io.min.js",
                                  "models/leg-triage-0.tar.gz", "var/trackers.db", ".git/config"])
def test_secrets_and_local_state_stay_out_of_the_build_context(path):
    assert not _sent_to_the_build(path)


def test_every_file_the_dockerfile_copies_is_in_the_build_context():
    for stage in STAGES.values():
        for copy in stage.all("COPY"):
            if copy.startswith("--from="):
                continue
            for source in copy.split()[:-1]:
                assert _sent_to_the_build(source.rstrip("/")), f"COPY {source}: excluded by .dockerignore"
                assert (ROOT / source).exists(), f"COPY {source}: no such file"


def test_the_entrypoint_sets_every_variable_endpoints_prod_names():
    # Rasa refuses to start when endpoints.prod.yml names a variable that is unset.
    exported = set(re.findall(r"^export (\w+)=", ENTRYPOINT.read_text(), re.MULTILINE))
    assert endpoint_variables() <= exported, endpoint_variables() - exported


def test_the_entrypoint_never_puts_a_secret_on_a_command_line():
    text = ENTRYPOINT.read_text()
    assert "--auth-token" not in text and "--jwt-secret" not in text
    assert not re.search(r"\$\{?(DB_PASSWORD|REDIS_PASSWORD|RASA_API_TOKEN)", text.split("case ")[1])
