# shellcheck shell=bash
# Sourced by scripts/build-control-plane.sh and scripts/build-conformance.sh: the versions,
# the cache directory and the ONE generated Go module every Kubernetes-based tool is built in.
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, metrics-server and helm are
# `tool` requirements of that module, with every k8s.io staging module replaced at the
# control plane's version, so the k8s libraries they share are compiled once; the e2e test
# binary is built in the same module, so `go test -c` finds those packages in the Go build cache.

K8S_VERSION="${K8S_VERSION:-v1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
# Both need k8s 0.36 in their own go.mod, so they compile against the pinned staging modules.
METRICS_SERVER_VERSION="${METRICS_SERVER_VERSION:-v0.9.0}"
HELM_VERSION="${HELM_VERSION:-v4.2.4}"
CACHE_ROOT="${ECI_VN_CACHE:-$HOME/.cache/eci-virtual-node}"
OUT="$CACHE_ROOT/$K8S_VERSION"

K8S_PKGS=(
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
)
METRICS_SERVER_PKG=sigs.k8s.io/metrics-server/cmd/metrics-server
HELM_PKG=helm.sh/helm/v4/cmd/helm

# Binaries built from another project than k8s.io/kubernetes carry their version in a stamp
# file beside them (the cache directory is named after the Kubernetes version only).
declare -A TOOL_VERSION=([metrics-server]="$METRICS_SERVER_VERSION" [helm]="$HELM_VERSION")

# The package a binary of the module is built from (`go build -o dir/` names it after the last element).
tool_package() {
  case "$1" in
    metrics-server) echo "$METRICS_SERVER_PKG" ;;
    helm) echo "$HELM_PKG" ;;
    *) echo "k8s.io/kubernetes/cmd/$1" ;;
  esac
}

# True when $OUT/$1 exists and, for a stamped tool, was built at the wanted version.
binary_current() {
  local name="$1" want="${TOOL_VERSION[$1]:-}"
  [[ -x "$OUT/$name" ]] || return 1
  [[ -z "$want" ]] || [[ "$(cat "$OUT/$name.version" 2>/dev/null)" == "$want" ]]
}

stamp_version() {
  local name="$1"
  [[ -z "${TOOL_VERSION[$name]:-}" ]] || echo "${TOOL_VERSION[$name]}" > "$OUT/$name.version"
}

go_build_env() {
  command -v go >/dev/null || { echo "go is required (Go >= 1.24)" >&2; exit 1; }
  export CGO_ENABLED=0 GOFLAGS=-trimpath GOTOOLCHAIN=local
}

# The -ldflags of a `go build`/`go test -c` in the module: Kubernetes' version variables for the
# k8s binaries, and per main package the version variables metrics-server's and helm's own
# Makefiles set (link-time only, so the compiled packages stay shared). Prints one flag per line.
module_ldflags() {
  local v=k8s.io/component-base/version minor
  minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
  echo "-ldflags=-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
  echo "-ldflags=$METRICS_SERVER_PKG=-s -w -X k8s.io/client-go/pkg/version.gitVersion=$METRICS_SERVER_VERSION"
  echo "-ldflags=$HELM_PKG=-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
}

# Writes the module into directory $1 (created) and resolves every tool in it. Fails when
# k8s.io/kubernetes moved off $K8S_VERSION; lists the shared modules a tool raised above
# Kubernetes' own pins (all of them are then built at the raised version).
write_tools_module() {
  local dir="$1" gomod staging_version
  staging_version="v0.${K8S_VERSION#v1.}"
  mkdir -p "$dir"
  gomod="$(cd "$dir" && GOFLAGS="" go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  if [[ -z "$gomod" || ! -f "$gomod" ]]; then
    gomod="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.mod"
  fi
  local staging
  mapfile -t staging < <(awk '$0 ~ /=> \.\/staging\// { for (i=1;i<=NF;i++) if ($i=="=>") print $(i-1) }' "$gomod" | sort -u)
  (( ${#staging[@]} > 20 )) || { echo "unexpected staging module list from $gomod" >&2; exit 1; }
  (
    cd "$dir" || exit 1
    printf 'module local/k8s-tools\n\ngo 1.24.0\n\ngodebug default=go1.24\n' > go.mod
    for m in "${staging[@]}"; do go mod edit "-replace=$m=$m@$staging_version"; done
    go get -tool "${K8S_PKGS[@]/%/@$K8S_VERSION}" "$METRICS_SERVER_PKG@$METRICS_SERVER_VERSION" "$HELM_PKG@$HELM_VERSION"
    grep -q "k8s.io/kubernetes $K8S_VERSION" go.mod || {
      echo "go.mod drifted from k8s.io/kubernetes $K8S_VERSION:" >&2
      grep k8s.io/kubernetes go.mod >&2
      exit 1
    }
    # Modules k8s.io/kubernetes requires, at a higher version here (informational).
    go list -m -f '{{.Path}} {{.Version}}' all | awk -v pins="$gomod" '
      BEGIN { while ((getline line < pins) > 0) { n = split(line, f, " "); if (n >= 2 && f[2] ~ /^v[0-9]/) { p = f[1] == "require" ? f[2] : f[1]; v = f[1] == "require" ? f[3] : f[2]; pin[p] = v } } }
      ($1 in pin) && pin[$1] != "v0.0.0" && pin[$1] != $2 { n++; raised = raised " " $1 "@" pin[$1] "->" $2 }
      END { if (n > 0) print n " shared modules above k8s.io/kubernetes'"'"' pins (metrics-server or helm need them):" raised }'
  )
}
