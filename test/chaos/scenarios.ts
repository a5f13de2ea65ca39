// The scenarios, one table row each: what is broken, when, and how it heals.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultSpec } from '../../emulator/admin-client.ts';
import type { Scenario } from './run.ts';
import type { ChaosSystem } from './system.ts';

/** kill -9 of reconciler replica 0; its replacement starts after `restartAfterMs`, as a controller would. */
export const killReconcilerMidBurst: Scenario = {
  name: 'reconciler kill -9 mid-burst',
  fault:
    'SIGKILL of reconciler replica 0 while a fifth of the groups exist; restarted 2 s later (same identity)',
  injectAt: 'mid-burst',
  async inject({ sys }) {
    await sys.book.kill9(sys.reconcilers[0]!);
    await sleep(2000);
    await sys.startReconciler(0);
  },
  holdMs: 0,
  async heal() {},
};

export const apiserverRestart: Scenario = {
  name: 'kube-apiserver restart',
  fault: 'kube-apiserver stopped mid-burst, 10 s down, started on the same etcd',
  injectAt: 'mid-burst',
  inject: ({ sys }) => sys.restart('kube-apiserver', 10_000),
  holdMs: 0,
  async heal() {},
};

export const etcdRestart: Scenario = {
  name: 'etcd restart',
  fault: 'etcd stopped mid-burst, 10 s down, started on the same data',
  injectAt: 'mid-burst',
  inject: ({ sys }) => sys.restart('etcd', 10_000),
  holdMs: 0,
  async heal() {},
};

/** An emulator fault on every action for `holdMs`, from the first create on. */
function eciStorm(name: string, fault: string, spec: FaultSpec, holdMs: number): Scenario {
  return {
    name,
    fault,
    injectAt: 'burst',
    inject: ({ sys }) => sys.admin.setFault(spec),
    holdMs,
    heal: ({ sys }) => sys.admin.clearFaults(),
  };
}

export const throttlingStorm = eciStorm(
  'ECI 30 % Throttling',
  '30 % of all ECI calls answer Throttling.User for 30 s',
  { action: '*', errorRate: 0.3, code: 'Throttling.User', httpStatus: 400 },
  30_000,
);

export const serverErrorStorm = eciStorm(
  'ECI 10 % 5xx',
  '10 % of all ECI calls answer 500 InternalError for 30 s',
  { action: '*', errorRate: 0.1, code: 'InternalError', httpStatus: 500 },
  30_000,
);

export const latencyStorm = eciStorm(
  'ECI +2 s latency',
  'every ECI call answers 2 s late for 30 s',
  { action: '*', latencyMs: 2000 },
  30_000,
);

export const eciOutage = eciStorm(
  'ECI 60 s outage',
  'every ECI call has its connection reset for 60 s',
  { action: '*', kind: 'reset', errorRate: 1 },
  60_000,
);

export const noStockInOneZone: Scenario = {
  name: 'NoStock in one zone',
  fault: 'cn-hangzhou-h (the first vSwitch) answers NoStock for 30 s',
  injectAt: 'burst',
  inject: ({ sys }) => sys.admin.setStock('cn-hangzhou-h', true),
  holdMs: 30_000,
  heal: ({ sys }) => sys.admin.setStock('cn-hangzhou-h', false),
};

export const credentialsRotated: Scenario = {
  name: 'credentials rotated',
  fault:
    'mid-burst the AccessKey is disabled (emulator restarts with a new one); the Secret gets it 10 s later',
  injectAt: 'mid-burst',
  inject: ({ sys }) => sys.rotateCredentials(10_000),
  holdMs: 0,
  async heal() {},
};

/**
 * A rolling restart as deployed (maxSurge 1, maxUnavailable 0): a new replica first, then
 * the old one stopped (SIGTERM); meanwhile the other old replica is killed -9 and comes back
 * 3 s later. The killed one stays an endpoint until its readiness probe fails.
 */
export const webhookReplicaKilled: Scenario = {
  name: 'webhook replica killed',
  fault:
    'rolling restart of the webhook as deployed (surge replica, then SIGTERM of the old) with the other replica killed -9 meanwhile',
  injectAt: 'burst',
  async inject({ sys }) {
    await sys.startWebhook(2);
    await sys.book.stop(sys.webhooks[0]!);
    await sys.book.kill9(sys.webhooks[1]!);
    await sleep(3000);
    await sys.startWebhook(1);
  },
  holdMs: 0,
  async heal() {},
};

/** SIGSTOP: the kernel still accepts its connections, nothing answers (a hung event loop). */
export const hungWebhook: Scenario = {
  name: 'hung webhook replica',
  fault: 'webhook replica 1 frozen (SIGSTOP: accepts TCP, never answers) for 20 s during creates',
  injectAt: 'burst',
  async inject({ sys }) {
    sys.book.freeze(sys.webhooks[1]!, true);
  },
  holdMs: 20_000,
  async heal({ sys }) {
    sys.book.freeze(sys.webhooks[1]!, false);
  },
};

const needsReplicas = (sys: ChaosSystem) => (sys.replicaCount < 3 ? 'needs 3 replicas' : undefined);

export const leaderKill: Scenario = {
  name: 'leader kill -9',
  fault:
    'SIGKILL of the leader replica (orphan sweep, its nodes) mid-burst while pods are deleted; restarted 2 s later',
  skip: needsReplicas,
  injectAt: 'mid-burst',
  async inject({ sys, notes }) {
    const leader = (await sys.leaderIndex()) ?? 0;
    notes.push(`leader was replica ${leader}`);
    await sys.book.kill9(sys.reconcilers[leader]!);
    await sleep(2000);
    await sys.startReconciler(leader);
  },
  holdMs: 0,
  async heal() {},
};

/** Replica 1 cut from the API server (packets dropped) for longer than its 15 s lease. */
export const partition: Scenario = {
  name: 'network partition',
  fault: 'replica 1 cut from the API server (packets dropped) for 30 s, lease 15 s',
  skip: needsReplicas,
  injectAt: 'mid-burst',
  async inject({ sys }) {
    sys.gates[1]!.cut();
  },
  holdMs: 30_000,
  async heal({ sys }) {
    sys.gates[1]!.heal();
  },
};

/** SIGSTOP stands in for an event-loop stall: every timer and renewal of the replica is late. */
export const clockStall: Scenario = {
  name: 'replica stall 20 s',
  fault: 'replica 2 frozen (SIGSTOP) for 20 s, longer than its lease, then resumed',
  skip: needsReplicas,
  injectAt: 'mid-burst',
  async inject({ sys }) {
    sys.book.freeze(sys.reconcilers[2]!, true);
  },
  holdMs: 20_000,
  async heal({ sys }) {
    sys.book.freeze(sys.reconcilers[2]!, false);
  },
};

export const ALL_SCENARIOS: Scenario[] = [
  killReconcilerMidBurst,
  apiserverRestart,
  etcdRestart,
  throttlingStorm,
  serverErrorStorm,
  latencyStorm,
  eciOutage,
  noStockInOneZone,
  credentialsRotated,
  webhookReplicaKilled,
  hungWebhook,
  leaderKill,
  partition,
  clockStall,
];
