// The short subset of node conformance specs (issue 18), `make conformance-subset`:
// fast specs (a few seconds each in docs/conformance.md) that between them cover pod status
// and phase, exit codes and termination messages, logs, exec, and environment variables from
// the downward API, ConfigMaps and Secrets. test/conformance/subset.test.ts runs them against
// the conformance stack; its unit test checks each is a spec in scope. It stays out of
// `make test` because the e2e binary it needs adds about a third to a cold control-plane build
// (docs/testing.md), which the cold-run budget has no room for.
import { exactSpecsPattern } from './spec-filter.ts';

export const SUBSET_SPECS: readonly string[] = [
  // status and phase
  '[sig-node] Pods should run through the lifecycle of Pods and PodStatus [Conformance]',
  '[sig-node] Kubelet when scheduling a busybox command that always fails in a pod should have an terminated reason [NodeConformance] [Conformance]',
  '[sig-node] InitContainer [NodeConformance] should invoke init containers on a RestartNever pod [Conformance]',
  // exit and termination message
  '[sig-node] Container Runtime blackbox test on terminated container should report termination message from log output if TerminationMessagePolicy FallbackToLogsOnError is set [NodeConformance] [Conformance]',
  '[sig-node] Container Runtime blackbox test on terminated container should report termination message if TerminationMessagePath is set as non-root user and at a non-default path [NodeConformance] [Conformance]',
  // logs and exec through the node's kubelet API (the websocket logs spec is left out while
  // it fails: docs/conformance.md)
  '[sig-node] Kubelet when scheduling a busybox command in a pod should print the output to logs [NodeConformance] [Conformance]',
  '[sig-node] Pods should support remote command execution over websockets [NodeConformance] [Conformance]',
  // environment
  '[sig-node] Downward API should provide pod name, namespace and IP address as env vars [NodeConformance] [Conformance]',
  '[sig-node] Variable Expansion should allow composing env vars into new env vars [NodeConformance] [Conformance]',
  '[sig-node] ConfigMap should be consumable via environment variable [NodeConformance] [Conformance]',
  '[sig-node] Secrets should be consumable via the environment [NodeConformance] [Conformance]',
];

/** The ginkgo focus that runs exactly the subset. */
export const SUBSET_FOCUS = exactSpecsPattern(SUBSET_SPECS);
