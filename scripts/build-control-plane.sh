#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and etcd, and the
# Go tools tests need beside them (metrics-server, helm), from the Go module proxy into a
# per-version cache outside the repo. Skips each binary that is already there (metrics-server
# and helm: at the wanted version). The k8s binaries and the tools share one Go module and one
# `go build` (scripts/go-module.sh), so the k8s libraries are compiled once; etcd has its own.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/go-module.sh"

MODULE_BINS=(kube-apiserver kube-controller-manager kube-scheduler kubectl metrics-server helm)

missing=()
for b in "${MODULE_BINS[@]}"; do binary_current "$b" || missing+=("$b"); done
if (( ${#missing[@]} == 0 )) && [[ -x "$OUT/etcd" ]]; then
  echo "control plane $K8S_VERSION (etcd $ETCD_VERSION), metrics-server $METRICS_SERVER_VERSION, helm $HELM_VERSION already built in $OUT"
  exit 0
fi

go_build_env
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/eci-vn-cp-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
step() { echo "[control-plane $(( $(date +%s) - start ))s] $*"; }

if (( ${#missing[@]} > 0 )); then
  step "resolving k8s.io/kubernetes@$K8S_VERSION, metrics-server $METRICS_SERVER_VERSION, helm $HELM_VERSION in one module (downloads a few hundred MB on a cold cache)"
  write_tools_module "$WORK/k8s"
  pkgs=()
  for b in "${missing[@]}"; do pkgs+=("$(tool_package "$b")"); done
  mapfile -t ldflags < <(module_ldflags)
  step "compiling ${missing[*]} (10-30 min on 2 cores when cold)"
  (cd "$WORK/k8s" && go build "${ldflags[@]}" -o "$WORK/bin/" "${pkgs[@]}")
  for b in "${missing[@]}"; do
    mv "$WORK/bin/$b" "$OUT/$b"
    stamp_version "$b"
  done
fi

if [[ ! -x "$OUT/etcd" ]]; then
  mkdir -p "$WORK/etcd"
  cd "$WORK/etcd"
  printf 'module local/etcd-bin\n\ngo 1.25.0\n' > go.mod
  step "go get go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  step "compiling etcd"
  go build -ldflags "-s -w" -o "$WORK/bin/etcd" go.etcd.io/etcd/server/v3
  mv "$WORK/bin/etcd" "$OUT/etcd"
fi

"$OUT/kube-apiserver" --version
# sed reads to the end, so etcd never gets SIGPIPE (exit 141 under pipefail, seen on a cold build)
"$OUT/etcd" --version | sed -n 1p
"$OUT/helm" version --short
step "done: binaries in $OUT"
