#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and etcd, and the
# Go tools tests need beside them (metrics-server, helm), from the Go module proxy into a
# per-version cache outside the repo. Skips each part whose binaries are already there.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
METRICS_SERVER_VERSION="${METRICS_SERVER_VERSION:-v0.8.0}"
HELM_VERSION="${HELM_VERSION:-v4.3.1}"
CACHE_ROOT="${ECI_VN_CACHE:-$HOME/.cache/eci-virtual-node}"
OUT="$CACHE_ROOT/$K8S_VERSION"
BINS=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd)

TOOLS=(metrics-server helm)

have_all() {
  for b in "$@"; do [[ -x "$OUT/$b" ]] || return 1; done
}
if have_all "${BINS[@]}" "${TOOLS[@]}"; then
  echo "control plane $K8S_VERSION (etcd $ETCD_VERSION), metrics-server $METRICS_SERVER_VERSION, helm $HELM_VERSION already built in $OUT"
  exit 0
fi

command -v go >/dev/null || { echo "go is required to build the control plane (Go >= 1.24)" >&2; exit 1; }
export CGO_ENABLED=0 GOFLAGS=-trimpath GOTOOLCHAIN=local
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/eci-vn-cp-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
step() { echo "[control-plane $(( $(date +%s) - start ))s] $*"; }

# One Go module per tool, built with the same flags; $1 output name, $2 package, $3 version.
build_tool() {
  local name="$1" pkg="$2" version="$3"
  [[ -x "$OUT/$name" ]] && return 0
  mkdir -p "$WORK/$name"
  (
    cd "$WORK/$name"
    printf 'module local/%s-bin\n\ngo 1.24.0\n' "$name" > go.mod
    step "go get $pkg@$version"
    go get "$pkg@$version"
    step "compiling $name"
    go build -ldflags "-s -w" -o "$WORK/bin/$name" "$pkg"
  )
  mv "$WORK/bin/$name" "$OUT/$name"
}

build_control_plane() {
minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
staging_version="v0.${K8S_VERSION#v1.}"

step "resolving k8s.io/kubernetes@$K8S_VERSION go.mod"
gomod="$(cd "$WORK" && GOFLAGS= go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
if [[ -z "$gomod" || ! -f "$gomod" ]]; then
  gomod="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.mod"
fi
mapfile -t staging < <(awk '$0 ~ /=> \.\/staging\// { for (i=1;i<=NF;i++) if ($i=="=>") print $(i-1) }' "$gomod" | sort -u)
step "found ${#staging[@]} staging modules (replaced at $staging_version)"
(( ${#staging[@]} > 20 )) || { echo "unexpected staging module list from $gomod" >&2; exit 1; }

mkdir -p "$WORK/k8s" "$WORK/etcd"
cd "$WORK/k8s"
printf 'module local/k8s-test-bins\n\ngo 1.24.0\n\ngodebug default=go1.24\n' > go.mod
for m in "${staging[@]}"; do go mod edit "-replace=$m=$m@$staging_version"; done
pkgs=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
step "go get ${pkgs[*]} @$K8S_VERSION (downloads a few hundred MB on a cold cache)"
go get "${pkgs[@]/%/@$K8S_VERSION}"
grep -q "k8s.io/kubernetes $K8S_VERSION" go.mod || { echo "go.mod drifted from k8s.io/kubernetes $K8S_VERSION:" >&2; grep k8s.io/kubernetes go.mod >&2; exit 1; }
pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
step "compiling kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (10-30 min on 2 cores when cold)"
go build -ldflags "$ldflags" -o "$WORK/bin/" "${pkgs[@]}"

cd "$WORK/etcd"
printf 'module local/etcd-bin\n\ngo 1.25.0\n' > go.mod
step "go get go.etcd.io/etcd/server/v3@$ETCD_VERSION"
go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
step "compiling etcd"
go build -ldflags "-s -w" -o "$WORK/bin/etcd" go.etcd.io/etcd/server/v3

for b in "${BINS[@]}"; do mv "$WORK/bin/$b" "$OUT/$b"; done
"$OUT/kube-apiserver" --version
# sed reads to the end, so etcd never gets SIGPIPE (exit 141 under pipefail, seen on a cold build)
"$OUT/etcd" --version | sed -n 1p
}

have_all "${BINS[@]}" || build_control_plane
build_tool metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server "$METRICS_SERVER_VERSION"
build_tool helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION"
"$OUT/helm" version --short
step "done: binaries in $OUT"
