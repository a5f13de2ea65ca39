// Prints the MutatingWebhookConfiguration as YAML (deploy/webhook is generated with it).
//   node webhook/render-config.ts [--namespace eci-virtual-node] [--service eci-webhook]
//     [--failure-policy Ignore|Fail] [--url https://...] [--ca-bundle-file ca.crt]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { webhookConfigurationYaml } from './webhook-config.ts';

const flagsSchema = z.object({
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, '--namespace must be a DNS label'),
  service: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, '--service must be a DNS label'),
  'failure-policy': z.enum(['Ignore', 'Fail'], { error: '--failure-policy must be Ignore or Fail' }),
  url: z.url({ protocol: /^https$/, error: '--url must be an https URL' }).optional(),
  'ca-bundle-file': z.string().optional(),
});

try {
  const { values } = parseArgs({
    options: {
      namespace: { type: 'string', default: 'eci-virtual-node' },
      service: { type: 'string', default: 'eci-webhook' },
      'failure-policy': { type: 'string', default: 'Ignore' },
      url: { type: 'string' },
      'ca-bundle-file': { type: 'string' },
    },
    strict: true,
  });
  const flags = flagsSchema.parse(values);
  process.stdout.write(
    webhookConfigurationYaml({
      namespace: flags.namespace,
      ...(flags.url ? { url: flags.url } : { service: { name: flags.service } }),
      failurePolicy: flags['failure-policy'],
      ...(flags['ca-bundle-file'] ? { caBundlePem: readFileSync(flags['ca-bundle-file'], 'utf8') } : {}),
    }),
  );
} catch (err) {
  const message =
    err instanceof z.ZodError ? err.issues.map((i) => i.message).join('; ') : (err as Error).message;
  console.error(`render-config: ${message}`);
  process.exit(2);
}
