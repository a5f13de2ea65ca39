// The unsigned admin API under /_emulator/ (loopback only): call counters,
// fault injection, zone stock, spot expiry, state listing and reset. Stored requests
// are listed with their secrets redacted unless `?reveal=secrets` asks for them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EmulatorCore } from './core.ts';
import { faultSchema, type FaultTable } from './faults.ts';
import { canExpire, expire } from './lifecycle/operations.ts';
import type { EmulatorMetrics } from './metrics.ts';
import type { QuotaTable } from './quotas.ts';
import { redactRequest } from './redact.ts';
import { shownGroupStatus } from './lifecycle/container-state.ts';

export const ADMIN_PREFIX = '/_emulator';

const stockSchema = z.object({
  zoneId: z.string().min(1),
  outOfStock: z.boolean(),
  /** reject: CreateContainerGroup answers OperationDenied.NoStock; schedule-failed: groups end ScheduleFailed. */
  mode: z.enum(['reject', 'schedule-failed']).default('reject'),
});
const expireSchema = z.object({ containerGroupId: z.string().min(1) });
const clearSchema = z.object({ action: z.string().min(1).optional() });
const revealSchema = z.object({
  reveal: z.literal('secrets', { message: "must be 'secrets' (or left out)" }).optional(),
});

export function isLoopback(ip: string): boolean {
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1' || ip.startsWith('127.');
}

function body(req: FastifyRequest): unknown {
  const raw = req.body;
  if (Buffer.isBuffer(raw) && raw.length > 0) return JSON.parse(raw.toString('utf8'));
  return {};
}

function parse<S extends z.ZodType>(schema: S, req: FastifyRequest, input: unknown = body(req)): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw Object.assign(new Error(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`), {
      statusCode: 400,
    });
  }
  return r.data;
}

export function registerAdmin(
  app: FastifyInstance,
  parts: { core: EmulatorCore; faults: FaultTable; quotas: QuotaTable; metrics: EmulatorMetrics },
): void {
  const { core, faults, quotas, metrics } = parts;
  app.register(
    async (admin) => {
      admin.addHook('onRequest', async (req, reply) => {
        if (!isLoopback(req.ip)) await reply.code(403).send({ error: 'admin API is loopback only' });
      });
      admin.setErrorHandler(async (err: Error & { statusCode?: number }, _req, reply) => {
        await reply.code(err.statusCode ?? 500).send({ error: err.message });
      });
      admin.get('/calls', async () => Object.fromEntries([...core.calls.entries()].sort()));
      admin.delete('/calls', async () => {
        core.calls.clear();
        return {};
      });
      admin.get('/faults', async () => faults.list());
      admin.post('/faults', async (req) => {
        const f = parse(faultSchema, req);
        faults.set(f);
        return f;
      });
      admin.delete('/faults', async (req) => {
        const { action } = parse(clearSchema, req);
        faults.clear(action);
        return {};
      });
      admin.post('/stock', async (req) => {
        const s = parse(stockSchema, req);
        if (!core.opts.zones.includes(s.zoneId)) {
          throw Object.assign(new Error(`zoneId: unknown zone ${s.zoneId}`), { statusCode: 400 });
        }
        if (s.outOfStock) core.outOfStock.set(s.zoneId, s.mode);
        else core.outOfStock.delete(s.zoneId);
        return { outOfStock: Object.fromEntries(core.outOfStock) };
      });
      admin.post('/expire', async (req) => {
        const { containerGroupId } = parse(expireSchema, req);
        const g = core.groups().find((x) => x.id === containerGroupId);
        if (!g)
          throw Object.assign(new Error(`containerGroupId: no group ${containerGroupId}`), {
            statusCode: 404,
          });
        if (!canExpire(g)) {
          throw Object.assign(
            new Error(
              `containerGroupId: only live spot groups can expire (spot ${g.spotStrategy}, status ${g.status})`,
            ),
            { statusCode: 409 },
          );
        }
        expire(g, core.now());
        core.changed();
        return { containerGroupId, status: g.status };
      });
      // Request secrets (env values, file contents, registry passwords) only when asked.
      admin.get('/container-groups', async (req) => {
        const { reveal } = parse(revealSchema, req, req.query);
        return core.groups().map((g) => ({
          containerGroupId: g.id,
          name: g.name,
          status: shownGroupStatus(g),
          zoneId: g.zoneId,
          vSwitchId: g.vSwitchId,
          intranetIp: g.intranetIp,
          tags: g.tags,
          createdAt: new Date(g.createdAt).toISOString(),
          request: reveal === 'secrets' ? g.request : redactRequest(g.request),
        }));
      });
      admin.get('/metrics', async (_req, reply) => {
        await reply
          .header('content-type', metrics.registry.contentType)
          .send(await metrics.registry.metrics());
      });
      admin.get('/privatezone', async () => Object.values(core.state.pvtzZones));
      admin.post('/reset', async () => {
        core.reset();
        faults.clear();
        quotas.reset();
        return {};
      });
    },
    { prefix: ADMIN_PREFIX },
  );
}
