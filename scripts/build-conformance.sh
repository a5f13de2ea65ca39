#!/usr/bin/env bash
# Builds Kubernetes' e2e specs of test/e2e/common/node (pods, init containers,
# container runtime, kubelet, downward API, probes, hooks, …) at the pinned version
# into one test binary beside the control plane, with the ginkgo CLI of the same
# version (it drives parallel runs). Only `make conformance` runs this.
# A small test module links just that package (not the whole e2e suite) with the
# same staging replace directives as scripts/build-control-plane.sh.
# Skips everything when both are already there.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.36.3}"
CACHE_ROOT="${ECI_VN_CACHE:-$HOME/.cache/eci-virtual-node}"
OUT="$CACHE_ROOT/$K8S_VERSION"
BIN="$OUT/e2e-common-node.test"
GINKGO="$OUT/ginkgo"

if [[ -x "$BIN" && -x "$GINKGO" ]]; then
  echo "e2e common/node $K8S_VERSION already built: $BIN (and $GINKGO)"
  exit 0
fi

command -v go >/dev/null || { echo "go is required to build the e2e binary (Go >= 1.24)" >&2; exit 1; }
export CGO_ENABLED=0 GOFLAGS=-trimpath GOTOOLCHAIN=local
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/eci-vn-e2e-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
step() { echo "[conformance-build $(( $(date +%s) - start ))s] $*"; }

minor="$(echo "$K8S_VERSION" | cut -d. -f2)"
staging_version="v0.${K8S_VERSION#v1.}"

step "resolving k8s.io/kubernetes@$K8S_VERSION go.mod"
gomod="$(cd "$WORK" && GOFLAGS= go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
if [[ -z "$gomod" || ! -f "$gomod" ]]; then
  gomod="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.mod"
fi
mapfile -t staging < <(awk '$0 ~ /=> \.\/staging\// { for (i=1;i<=NF;i++) if ($i=="=>") print $(i-1) }' "$gomod" | sort -u)
(( ${#staging[@]} > 20 )) || { echo "unexpected staging module list from $gomod" >&2; exit 1; }

mkdir -p "$WORK/mod/commonnode"
cd "$WORK/mod"
printf 'module local/e2e-common-node\n\ngo 1.24.0\n\ngodebug default=go1.24\n' > go.mod
for m in "${staging[@]}"; do go mod edit "-replace=$m=$m@$staging_version"; done

# The suite entry point: flags and ginkgo as in test/e2e/e2e_test.go, but only
# common/node's specs are linked. The per-node setup sets the cluster IP family
# the way test/e2e/e2e.go does; the cluster-wide setup (namespace cleanup, waiting
# for system pods, image pre-pull daemonsets) is left out on purpose: the local
# control plane has no system pods and the virtual node has no daemonsets.
cat > commonnode/suite_test.go <<'GO'
package commonnode

import (
	"context"
	"flag"
	"os"
	"testing"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-base/logs"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/test/e2e/framework"
	"k8s.io/kubernetes/test/e2e/framework/config"
	utilnet "k8s.io/utils/net"

	_ "k8s.io/component-base/logs/testinit"
	_ "k8s.io/kubernetes/test/e2e/common/node"
	_ "k8s.io/kubernetes/test/e2e/feature"
	_ "k8s.io/kubernetes/test/e2e/framework/debug/init"
	_ "k8s.io/kubernetes/test/e2e/framework/node/init"
	_ "k8s.io/kubernetes/test/utils/format"
)

func TestMain(m *testing.M) {
	config.CopyFlags(config.Flags, flag.CommandLine)
	framework.RegisterCommonFlags(flag.CommandLine)
	framework.RegisterClusterFlags(flag.CommandLine)
	flag.Parse()
	framework.AfterReadingAllFlags(&framework.TestContext)
	os.Exit(m.Run())
}

var _ = ginkgo.SynchronizedBeforeSuite(func(ctx context.Context) []byte { return nil }, func(ctx context.Context, _ []byte) {
	c, err := framework.LoadClientset()
	framework.ExpectNoError(err, "loading client")
	svc, err := c.CoreV1().Services(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{})
	framework.ExpectNoError(err, "reading the kubernetes service")
	framework.TestContext.IPFamily = "ipv4"
	if utilnet.IsIPv6String(svc.Spec.ClusterIP) {
		framework.TestContext.IPFamily = "ipv6"
	}
})

func TestE2E(t *testing.T) {
	logs.InitLogs()
	defer logs.FlushLogs()
	klog.EnableContextualLogging(true)
	gomega.RegisterFailHandler(framework.Fail)
	suiteConfig, reporterConfig := framework.CreateGinkgoConfig()
	ginkgo.RunSpecs(t, "Kubernetes e2e common/node on the ECI virtual node", suiteConfig, reporterConfig)
}
GO

pkgs=(
  k8s.io/kubernetes/test/e2e/common/node k8s.io/kubernetes/test/e2e/framework k8s.io/kubernetes/test/e2e/framework/config
  k8s.io/kubernetes/test/e2e/feature k8s.io/kubernetes/test/e2e/framework/debug/init k8s.io/kubernetes/test/e2e/framework/node/init
  k8s.io/kubernetes/test/utils/format
)
step "go get test/e2e/common/node @$K8S_VERSION and the framework"
go get "${pkgs[@]/%/@$K8S_VERSION}"
grep -q "k8s.io/kubernetes $K8S_VERSION" go.mod || { echo "go.mod drifted from k8s.io/kubernetes $K8S_VERSION:" >&2; grep k8s.io/kubernetes go.mod >&2; exit 1; }
step "go mod tidy"
go mod tidy
grep -q "k8s.io/kubernetes $K8S_VERSION" go.mod || { echo "go mod tidy moved k8s.io/kubernetes off $K8S_VERSION" >&2; exit 1; }

pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
if [[ ! -x "$BIN" ]]; then
  step "compiling the e2e binary (links much of pkg/kubelet; minutes with the control plane's Go build cache)"
  go test -c -ldflags "$ldflags" -o "$WORK/e2e-common-node.test" ./commonnode
  mv "$WORK/e2e-common-node.test" "$BIN"
fi
if [[ ! -x "$GINKGO" ]]; then
  # The CLI at the library's version (ginkgo refuses a CLI/library mismatch).
  ginkgo_version="$(go list -m -f '{{.Version}}' github.com/onsi/ginkgo/v2)"
  step "compiling the ginkgo CLI $ginkgo_version"
  go get "github.com/onsi/ginkgo/v2/ginkgo@$ginkgo_version"
  go build -ldflags "-s -w" -o "$WORK/ginkgo" github.com/onsi/ginkgo/v2/ginkgo
  mv "$WORK/ginkgo" "$GINKGO"
fi
step "done: $BIN, $GINKGO"
