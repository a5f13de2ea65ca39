// Prints the MutatingWebhookConfiguration as YAML (deploy/webhook is generated with it):
//   node webhook/render-config.ts > deploy/webhook/mutatingwebhookconfiguration.yaml
// Flags through the shared parser (shared/flags.ts); `--help` lists them.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { flagSchema, flagUsage, parseFlags, wantsHelp, type FlagTable } from '../shared/flags.ts';
import { webhookConfigurationYaml } from './webhook-config.ts';

const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label');

const FLAGS = {
  namespace: {
    flag: 'namespace',
    default: 'eci-virtual-node',
    schema: dnsLabel,
    help: "the webhook's namespace (never mutated itself)",
  },
  service: {
    flag: 'service',
    default: 'eci-webhook',
    schema: dnsLabel,
    help: "the webhook's Service, port 443 (unless --url)",
  },
  failurePolicy: {
    flag: 'failure-policy',
    default: 'Ignore',
    schema: z.enum(['Ignore', 'Fail'], { error: 'must be Ignore or Fail' }),
    help: 'what the apiserver does when the webhook cannot answer',
  },
  url: {
    flag: 'url',
    schema: z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional(),
    help: 'reach the webhook at this URL instead of the Service (out-of-cluster, tests)',
  },
  caBundleFile: {
    flag: 'ca-bundle-file',
    schema: z.string().min(1).optional(),
    help: 'PEM file of the CA that signs the serving certificate; unset = the webhook patches it in',
  },
} as const satisfies FlagTable;

const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  process.stdout.write(`usage: node webhook/render-config.ts [flags]\n${flagUsage(FLAGS)}\n`);
  process.exit(0);
}
const parsed = parseFlags(FLAGS, flagSchema(FLAGS), argv, {});
if (!parsed.ok) {
  console.error(`render-config: ${parsed.error}`);
  process.exit(2);
}
const flags = parsed.config;
try {
  process.stdout.write(
    webhookConfigurationYaml({
      namespace: flags.namespace,
      ...(flags.url ? { url: flags.url } : { service: { name: flags.service } }),
      failurePolicy: flags.failurePolicy,
      ...(flags.caBundleFile ? { caBundlePem: readFileSync(flags.caBundleFile, 'utf8') } : {}),
    }),
  );
} catch (err) {
  console.error(`render-config: ${(err as Error).message}`);
  process.exit(2);
}
