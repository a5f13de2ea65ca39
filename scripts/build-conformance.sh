#!/usr/bin/env bash
# Builds Kubernetes' e2e specs of test/e2e/common/node (pods, init containers,
# container runtime, kubelet, downward API, probes, hooks, …) at the pinned version
# into one test binary beside the control plane, with the ginkgo CLI of the same
# version (it drives parallel runs). Only `make conformance` runs this.
# It is built in the control plane's module (scripts/go-module.sh: same staging replace
# directives, same tools, so the same dependency versions), linking just that package (not
# the whole e2e suite), so the k8s packages come from the control-plane build's Go cache.
# Skips everything when both are already there.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/go-module.sh"
BIN="$OUT/e2e-common-node.test"
GINKGO="$OUT/ginkgo"

if [[ -x "$BIN" && -x "$GINKGO" ]]; then
  echo "e2e common/node $K8S_VERSION already built: $BIN (and $GINKGO)"
  exit 0
fi

go_build_env
mkdir -p "$OUT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/eci-vn-e2e-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
step() { echo "[conformance-build $(( $(date +%s) - start ))s] $*"; }

step "resolving the control plane's tools module (scripts/go-module.sh)"
write_tools_module "$WORK/mod"
mkdir -p "$WORK/mod/commonnode"
cd "$WORK/mod"

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

mapfile -t ldflags < <(module_ldflags)
if [[ ! -x "$BIN" ]]; then
  step "compiling the e2e binary (links much of pkg/kubelet; minutes with the control plane's Go build cache)"
  go test -c "${ldflags[@]}" -o "$WORK/e2e-common-node.test" ./commonnode
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
