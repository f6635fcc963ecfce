#!/usr/bin/env bash
# Static checks of the container and Kubernetes files; no container daemon, registry or cluster
# is needed (and none is used): nothing here builds or runs an image.
#   hadolint              deploy/docker/Dockerfile
#   docker-compose config compose.yaml with throwaway passwords, and refusing to run without them
#   kubernetes-validate   deploy/k8s/ (strict: unknown fields fail), for the oldest and newest
#                         Kubernetes versions we claim (K8S_VERSIONS); the kustomize output too
#                         when kubectl is installed
#   nginx -t              deploy/docker/nginx.conf, when nginx is installed (see below)
# The tools come from PyPI into .venv-deploy (scripts/setup_deploy_tools.sh). The properties an
# operator relies on (non-root, probes, no secrets, stickiness...) are tests/deploy/ (unit tests).
set -euo pipefail
cd "$(dirname "$0")/.."
K8S_VERSIONS=${K8S_VERSIONS:-"1.29.0 1.37.0"}
COMPOSE=.venv-deploy/compose/bin/docker-compose
LINT=.venv-deploy/lint/bin
scripts/setup_deploy_tools.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ok() { echo "    ok: $*"; }

echo "==> hadolint $("$LINT/hadolint" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+')"
"$LINT/hadolint" deploy/docker/Dockerfile
ok deploy/docker/Dockerfile

echo "==> docker-compose $("$COMPOSE" version --short) config"
printf 'DB_PASSWORD=validate-only\nREDIS_PASSWORD=validate-only\n' > "$work/env"
env -u DB_PASSWORD -u REDIS_PASSWORD "$COMPOSE" --env-file "$work/env" -f compose.yaml config --quiet
ok "compose.yaml"
: > "$work/empty.env"
if env -u DB_PASSWORD -u REDIS_PASSWORD "$COMPOSE" --env-file "$work/empty.env" -f compose.yaml config --quiet 2>/dev/null; then
  echo "compose.yaml starts without DB_PASSWORD / REDIS_PASSWORD: it must refuse" >&2; exit 1
fi
ok "compose.yaml refuses to start without the passwords"

manifests=()
while IFS= read -r file; do manifests+=("deploy/k8s/$file"); done < <(
  "$LINT/python" -c 'import sys, yaml; print("\n".join(yaml.safe_load(open(sys.argv[1]))["resources"]))' \
    deploy/k8s/kustomization.yaml)
for version in $K8S_VERSIONS; do
  echo "==> kubernetes-validate --strict, Kubernetes $version"
  "$LINT/kubernetes-validate" --strict --quiet -k "$version" "${manifests[@]}"
  ok "${manifests[*]}"
done
if command -v kubectl >/dev/null 2>&1; then
  echo "==> kubectl kustomize deploy/k8s | kubernetes-validate --strict"
  kubectl kustomize deploy/k8s > "$work/kustomized.yaml"
  for version in $K8S_VERSIONS; do
    "$LINT/kubernetes-validate" --strict --quiet -k "$version" "$work/kustomized.yaml"
  done
  ok "the kustomize output ($(grep -c '^kind:' "$work/kustomized.yaml") objects)"
else
  echo "==> kubectl not installed: the kustomize output is not checked (the files above are)"
fi

# The compose nginx uses `server ... resolve` (nginx 1.27.3+) and Docker's DNS names. An older
# nginx on this machine checks everything else: `resolve` dropped, the names mapped to 127.0.0.1.
if command -v nginx >/dev/null 2>&1; then
  echo "==> nginx -t deploy/docker/nginx.conf ($(nginx -v 2>&1 | sed 's/.*: //'), Docker names and 'resolve' mapped out)"
  sed -e 's/ resolve / /' -e 's/server rasa:5005/server 127.0.0.1:5005/' -e "s#/tmp/nginx-#$work/nginx-#" \
    deploy/docker/nginx.conf > "$work/nginx.conf"
  nginx -t -q -p "$work" -c "$work/nginx.conf" -e /dev/stderr
  ok deploy/docker/nginx.conf
else
  echo "==> nginx not installed: deploy/docker/nginx.conf is not checked by nginx -t"
fi
echo "==> deploy files valid (validated only: no image was built or run, no cluster was used)"
