// The workload of one scenario: bare pods, Deployments and Jobs in a namespace the webhook
// sends to ECI, created as a burst (creates retried while the API server is away, as a
// user or controller would), then some deleted midway. Records what must hold at the end.
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { TAG_KEYS } from '../../reconciler/ownership.ts';
import { INSTANCE_ANNOTATIONS } from '../../shared/annotation-names.ts';
import { isAlreadyExists } from '../../shared/kube.ts';
import type { ClusterView, WorkloadExpectation } from './invariants.ts';
import { SCOPE_LABEL, type ChaosSystem } from './system.ts';

export interface WorkloadPlan {
  bare: number;
  deployments: number[];
  jobs: number[];
}

/** About `total` pods: 40 % bare, 40 % in two Deployments, 20 % in two Jobs. */
export function planWorkload(total: number): WorkloadPlan {
  const bare = Math.max(2, Math.round(total * 0.4));
  const perDeployment = Math.max(1, Math.round(total * 0.2));
  const perJob = Math.max(1, Math.round(total * 0.1));
  return { bare, deployments: [perDeployment, perDeployment], jobs: [perJob, perJob] };
}

export const describePlan = (p: WorkloadPlan) =>
  `${p.bare} pods, ${p.deployments.length} deploy × ${p.deployments[0]}, ${p.jobs.length} jobs × ${p.jobs[0]}`;

const podSpec = (extra: Partial<V1PodSpec> = {}): V1PodSpec => ({
  containers: [
    { name: 'main', image: 'nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } } },
  ],
  terminationGracePeriodSeconds: 5,
  ...extra,
});

/** Calls `fn` until it succeeds or says the object exists (the API server may be restarting). */
async function persist<T>(what: string, fn: () => Promise<T>, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fn();
      return;
    } catch (err) {
      if (isAlreadyExists(err)) return;
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      await sleep(500);
    }
  }
}

/** Runs `fns` with at most `width` in flight. */
async function pool(width: number, fns: (() => Promise<void>)[]): Promise<void> {
  const queue = [...fns];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let fn = queue.shift(); fn; fn = queue.shift()) await fn();
    }),
  );
}

export class Workload {
  readonly expectation: WorkloadExpectation = { pods: [], deployments: [], jobs: [], deletedPodUids: [] };

  private readonly sys: ChaosSystem;
  readonly namespace: string;
  readonly plan: WorkloadPlan;

  constructor(sys: ChaosSystem, namespace: string, plan: WorkloadPlan) {
    this.sys = sys;
    this.namespace = namespace;
    this.plan = plan;
  }

  static async inNewNamespace(sys: ChaosSystem, prefix: string, plan: WorkloadPlan): Promise<Workload> {
    const namespace = `${prefix}-${Date.now().toString(36)}`;
    await persist('namespace', () =>
      sys.core.createNamespace({
        body: { metadata: { name: namespace, labels: { ...SCOPE_LABEL, eci: 'true' } } },
      }),
    );
    await persist(
      'default ServiceAccount',
      () => sys.core.readNamespacedServiceAccount({ name: 'default', namespace }),
      60_000,
    );
    return new Workload(sys, namespace, plan);
  }

  /** Creates every object; resolves once all creates went through. */
  async create(): Promise<void> {
    const { core, apps, batch } = this.sys;
    const namespace = this.namespace;
    const creates: (() => Promise<void>)[] = [];
    this.plan.deployments.forEach((replicas, i) => {
      const name = `web-${i}`;
      this.expectation.deployments.push({ namespace, name, replicas });
      creates.push(() =>
        persist(name, () =>
          apps.createNamespacedDeployment({
            namespace,
            body: {
              metadata: { name },
              spec: {
                replicas,
                selector: { matchLabels: { app: name } },
                template: { metadata: { labels: { app: name } }, spec: podSpec() },
              },
            },
          }),
        ),
      );
    });
    this.plan.jobs.forEach((completions, i) => {
      const name = `job-${i}`;
      this.expectation.jobs.push({ namespace, name, completions });
      const command = ['sh', '-c', 'echo working; sleep 2; exit 0'];
      creates.push(() =>
        persist(name, () =>
          batch.createNamespacedJob({
            namespace,
            body: {
              metadata: { name },
              spec: {
                completions,
                parallelism: completions,
                backoffLimit: 6,
                template: {
                  spec: podSpec({
                    restartPolicy: 'Never',
                    containers: [{ ...podSpec().containers[0]!, image: 'busybox:1.36', command }],
                  }),
                },
              },
            },
          }),
        ),
      );
    });
    for (let i = 0; i < this.plan.bare; i++) {
      const name = `pod-${i}`;
      this.expectation.pods.push({ namespace, name });
      creates.push(() =>
        persist(name, () =>
          core.createNamespacedPod({ namespace, body: { metadata: { name }, spec: podSpec() } }),
        ),
      );
    }
    await pool(20, creates);
  }

  /** Deletes a quarter of the bare pods (their groups must go) and scales web-0 down by a third. */
  async deleteSome(): Promise<void> {
    const { core, apps } = this.sys;
    const victims = this.expectation.pods.splice(0, Math.floor(this.expectation.pods.length / 4));
    for (const v of victims) {
      await persist(`delete ${v.name}`, async () => {
        const pod = await core
          .readNamespacedPod({ name: v.name, namespace: v.namespace })
          .catch(() => undefined);
        if (pod?.metadata?.uid) this.expectation.deletedPodUids.push(pod.metadata.uid);
        await core.deleteNamespacedPod({ name: v.name, namespace: v.namespace }).catch((err: unknown) => {
          if ((err as { code?: number }).code !== 404) throw err;
        });
      });
    }
    const web = this.expectation.deployments[0];
    if (!web) return;
    web.replicas -= Math.floor(web.replicas / 3);
    await persist('scale web-0', () =>
      apps.patchNamespacedDeploymentScale({
        name: web.name,
        namespace: this.namespace,
        body: [{ op: 'replace', path: '/spec/replicas', value: web.replicas }],
      }),
    );
  }

  /** Groups of this cluster created so far (any namespace), for "mid-burst" triggers. */
  async groupCount(): Promise<number> {
    return (await this.sys.admin.containerGroups()).filter((g) =>
      g.tags.some((t) => t.Key === TAG_KEYS.namespace && t.Value === this.namespace),
    ).length;
  }

  /** What the API server and the emulator hold for this workload's namespace. */
  async view(): Promise<ClusterView> {
    const [pods, jobs, groups] = await Promise.all([
      this.sys.core.listNamespacedPod({ namespace: this.namespace }),
      this.sys.batch.listNamespacedJob({ namespace: this.namespace }),
      this.sys.admin.containerGroups(),
    ]);
    const tag = (g: (typeof groups)[number], k: string) => g.tags.find((t) => t.Key === k)?.Value;
    return {
      pods: pods.items.map((p: V1Pod) => ({
        uid: p.metadata?.uid ?? '',
        namespace: this.namespace,
        name: p.metadata?.name ?? '',
        phase: p.status?.phase ?? '',
        deleting: Boolean(p.metadata?.deletionTimestamp),
        labels: p.metadata?.labels ?? {},
        instanceId: p.metadata?.annotations?.[INSTANCE_ANNOTATIONS.instanceId],
        mutated: p.spec?.nodeSelector?.type === 'virtual-kubelet',
      })),
      jobs: jobs.items.map((j) => ({
        namespace: this.namespace,
        name: j.metadata?.name ?? '',
        succeeded: j.status?.succeeded ?? 0,
      })),
      groups: groups
        .filter(
          (g) =>
            tag(g, TAG_KEYS.cluster) === this.sys.clusterId && tag(g, TAG_KEYS.namespace) === this.namespace,
        )
        .map((g) => ({ id: g.containerGroupId, status: g.status, podUid: tag(g, TAG_KEYS.podUid) })),
    };
  }

  async remove(): Promise<void> {
    await this.sys.core.deleteNamespace({ name: this.namespace }).catch(() => {});
  }
}
