"""Renders the production topology's configuration into the run directory.

``python -m bot.ops.render --run-dir var/prod ...`` (called by scripts/scale_out.sh) writes:

- ``nginx.conf`` from deploy/nginx.conf.template, its error answers carrying the assistant's
  own friendly sentences (bot/texts.yml) as JSON;
- ``upstream.conf``: every replica ``down`` until bot/ops/gate.py finds it ready;
- ``supervisord.conf`` from deploy/supervisord.conf.template, one ``[program:rasa-PORT]`` per
  replica;
- ``credentials.yml``: the channels of ``--credentials`` plus the readiness route
  (bot/ops/health.py);
- ``model.tar.gz``: a symbolic link to the model the replicas load (``make deploy-model`` moves it);
- ``replicas``: the replicas' ports, for scripts/deploy_model.sh and scripts/prod_stop.sh.

No secret passes through here: the programs inherit supervisord's environment.
"""
from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from bot.ops.gate import upstream_text
from bot.texts import say

ROOT = Path(__file__).resolve().parents[2]
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
SUPERVISOR_TEMPLATE = ROOT / "deploy" / "supervisord.conf.template"
READINESS_CHANNEL = "bot.ops.health.ReadinessInput"
REPLICA_SECTION = "[program:rasa-@PORT@]"


def fill(template: str, values: Dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    left = re.findall(r"@[A-Z_]+@", template)
    if left:
        raise ValueError(f"placeholders left unfilled: {sorted(set(left))}")
    return template


def nginx_json_string(text: str) -> str:
    """`text` as a JSON string, escaped to sit inside a single-quoted nginx string."""
    encoded = json.dumps(text)  # ASCII only: \\uXXXX for the rest
    if "$" in encoded:
        raise ValueError("nginx would read '$' in an answer as a variable")
    return encoded.replace("\\", "\\\\").replace("'", "\\'")


def render_nginx(run_dir: Path, listen: str, rate: str, burst: int) -> str:
    return fill(NGINX_TEMPLATE.read_text(encoding="utf-8"), {
        "RUN_DIR": str(run_dir), "LISTEN": listen, "RATE": rate, "BURST": str(burst),
        "TROUBLE_JSON": nginx_json_string(say("service.trouble")),
        "SLOW_DOWN_JSON": nginx_json_string(say("service.slow_down")),
    })


def render_supervisord(values: Dict[str, str], replica_ports: List[int]) -> str:
    template = SUPERVISOR_TEMPLATE.read_text(encoding="utf-8")
    start = template.index(REPLICA_SECTION)
    end = template.index("\n[program:", start + 1) + 1
    section = template[start:end]
    replicas = "".join(section.replace("@PORT@", str(port)) for port in replica_ports)
    return fill(template[:start] + replicas + template[end:], values)


def credentials_with_readiness(source: Path) -> str:
    channels = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    text = source.read_text(encoding="utf-8")
    if READINESS_CHANNEL not in channels:
        text = text.rstrip("\n") + f"\n\n# Readiness of this replica (scripts/scale_out.sh adds it).\n{READINESS_CHANNEL}:\n"
    return text


def newest_model(path: Path) -> Path:
    if path.is_file():
        return path.resolve()
    models = sorted(path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise FileNotFoundError(f"no model in {path}")
    return models[-1].resolve()


def point_model_link(run_dir: Path, model: Path) -> None:
    """Atomically: a replica (re)starting at any moment loads one whole model, old or new."""
    link = run_dir / "model.tar.gz"
    temporary = run_dir / "model.tar.gz.new"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(model)
    os.replace(temporary, link)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="Render the production configuration into the run directory.")
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--listen", required=True, help="address:port of nginx")
    parser.add_argument("--replica-ports", required=True)
    parser.add_argument("--action-port", required=True)
    parser.add_argument("--action-host", default="127.0.0.1")
    parser.add_argument("--start-actions", choices=["0", "1"], default="1")
    parser.add_argument("--start-retention", choices=["0", "1"], default="1")
    parser.add_argument("--endpoints", type=Path, required=True)
    parser.add_argument("--credentials", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True, help="a model file, or a directory: its newest")
    parser.add_argument("--nginx", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--rate", default="10r/s", help="nginx limit_req rate per client address")
    parser.add_argument("--burst", type=int, default=50)
    args = parser.parse_args(argv)

    run_dir = args.run_dir.resolve()
    ports = [int(p) for p in args.replica_ports.split()]
    (run_dir / "nginx-tmp").mkdir(parents=True, exist_ok=True)
    (run_dir / "drain").mkdir(exist_ok=True)
    for stale in (run_dir / "drain").iterdir():
        stale.unlink()
    (run_dir / "nginx.conf").write_text(render_nginx(run_dir, args.listen, args.rate, args.burst), encoding="utf-8")
    (run_dir / "upstream.conf").write_text(upstream_text(ports, set()), encoding="utf-8")
    (run_dir / "credentials.yml").write_text(credentials_with_readiness(args.credentials), encoding="utf-8")
    (run_dir / "replicas").write_text(" ".join(map(str, ports)) + "\n", encoding="utf-8")
    (run_dir / "gate.json").unlink(missing_ok=True)
    point_model_link(run_dir, newest_model(args.model))
    supervisord = render_supervisord({
        "RUN_DIR": str(run_dir), "ROOT": str(ROOT), "PYTHON": args.python, "NGINX": args.nginx,
        "ENDPOINTS": str(args.endpoints.resolve()), "REPLICA_PORTS": " ".join(map(str, ports)),
        "ACTION_PORT": args.action_port, "ACTION_HOST": args.action_host,
        "START_ACTIONS": "true" if args.start_actions == "1" else "false",
        "START_RETENTION": "true" if args.start_retention == "1" else "false",
    }, ports)
    (run_dir / "supervisord.conf").write_text(supervisord, encoding="utf-8")


if __name__ == "__main__":
    main()
