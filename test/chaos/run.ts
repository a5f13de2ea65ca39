// Runs one scenario against a running system: a fresh namespace with the workload, the
// fault injected at its moment, some pods deleted while it lasts, the heal, then the
// invariants polled from the outside until they hold; one table row comes back.
import { setTimeout as sleep } from 'node:timers/promises';
import { allHold, checkInvariants, type InvariantCounts } from './invariants.ts';
import type { ChaosSystem } from './system.ts';
import type { ScenarioRow } from './table.ts';
import { describePlan, Workload, type WorkloadPlan } from './workload.ts';

export interface FaultContext {
  sys: ChaosSystem;
  workload: Workload;
  /** Notes for the table's last column. */
  notes: string[];
}

export interface Scenario {
  name: string;
  fault: string;
  /** Why it cannot run on this build (e.g. `needs replicas`); the row is printed as skipped. */
  skip?: (sys: ChaosSystem) => string | undefined;
  /** `burst`: as soon as creates start; `mid-burst`: once a fifth of the groups exist. */
  injectAt: 'burst' | 'mid-burst';
  /** Injects the fault; resolves once it is in place. */
  inject(ctx: FaultContext): Promise<void>;
  /** How long the fault lasts after inject returns (0: the fault heals itself). */
  holdMs: number;
  heal(ctx: FaultContext): Promise<void>;
}

export interface RunOptions {
  plan: WorkloadPlan;
  /** How long the invariants may take to hold after the heal. */
  recoveryTimeoutMs?: number;
  log?: (line: string) => void;
}

async function untilMidBurst(workload: Workload, total: number): Promise<void> {
  const want = Math.max(1, Math.floor(total / 5));
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline && (await workload.groupCount().catch(() => 0)) < want) await sleep(100);
}

const planTotal = (p: WorkloadPlan) =>
  p.bare + p.deployments.reduce((a, b) => a + b, 0) + p.jobs.reduce((a, b) => a + b, 0);

export async function runScenario(
  sys: ChaosSystem,
  scenario: Scenario,
  options: RunOptions,
): Promise<ScenarioRow> {
  const log = options.log ?? ((line: string) => console.error(line));
  const base = { scenario: scenario.name, workload: describePlan(options.plan), fault: scenario.fault };
  const zero = { duplicates: 0, orphans: 0, lost: 0, statusMismatches: 0, crashes: 0 };
  const skipped = scenario.skip?.(sys);
  if (skipped) return { ...base, ...zero, result: skipped };

  const crashesBefore = sys.book.crashes().length;
  const workload = await Workload.inNewNamespace(sys, 'chaos', options.plan);
  const ctx: FaultContext = { sys, workload, notes: [] };
  log(`[${scenario.name}] workload in ${workload.namespace}: ${base.workload}`);
  const creating = workload.create();
  creating.catch(() => {});
  if (scenario.injectAt === 'mid-burst') await untilMidBurst(workload, planTotal(options.plan));
  log(`[${scenario.name}] inject: ${scenario.fault}`);
  await scenario.inject(ctx);
  await creating;
  await workload.deleteSome();
  await sleep(scenario.holdMs);
  await scenario.heal(ctx);
  const healed = Date.now();
  log(`[${scenario.name}] healed; waiting for the invariants`);

  let counts: InvariantCounts | undefined;
  let recoverySeconds: number | undefined;
  const deadline = healed + (options.recoveryTimeoutMs ?? 300_000);
  while (Date.now() < deadline) {
    counts = await workload.view().then(
      (view) => checkInvariants(view, workload.expectation),
      () => undefined,
    );
    if (counts && allHold(counts)) {
      recoverySeconds = (Date.now() - healed) / 1000;
      break;
    }
    await sleep(1000);
  }
  const crashes = sys.book.crashes().slice(crashesBefore);
  for (const c of crashes) ctx.notes.push(`${c.name} exited ${c.code}`);
  if (counts && !allHold(counts)) ctx.notes.push(...counts.details.slice(0, 3));
  const row: ScenarioRow = {
    ...base,
    recoverySeconds,
    duplicates: counts?.duplicates ?? 0,
    orphans: counts?.orphans ?? 0,
    lost: counts?.lost ?? 0,
    statusMismatches: counts?.statusMismatches ?? 0,
    crashes: crashes.length,
    result: recoverySeconds !== undefined && crashes.length === 0 ? 'ok' : 'FAIL',
    note: ctx.notes.join('; ') || undefined,
  };
  if (counts && row.result === 'FAIL')
    for (const d of counts.details.slice(0, 20)) log(`[${scenario.name}]   ${d}`);
  await workload.remove();
  return row;
}
