// npm run explain -- <pod.yaml> [--namespace-labels k=v,...] [--profile file] [--json]
//   [--k8s-version v1.36.3] [--cluster-dns 10.96.0.10] [--cluster-domain cluster.local]
// Prints whether each pod (or workload pod template) in the file would go to ECI, why,
// the JSON patch the webhook would return and its warnings. No cluster needed.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_PROFILE } from '../shared/profile.ts';
import {
  explain,
  formatExplanation,
  parseLabels,
  podsFromManifests,
  profileFromText,
} from '../webhook/explain.ts';

const USAGE =
  'usage: npm run explain -- <pod.yaml|-> [--namespace-labels k=v,...] [--profile eci-profile.yaml] [--json]\n' +
  '                          [--k8s-version v1.36.3] [--cluster-dns 10.96.0.10] [--cluster-domain cluster.local]';

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      'namespace-labels': { type: 'string', default: '' },
      profile: { type: 'string' },
      json: { type: 'boolean', default: false },
      'k8s-version': { type: 'string' },
      'cluster-dns': { type: 'string' },
      'cluster-domain': { type: 'string', default: 'cluster.local' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (positionals.length !== 1) throw new Error('expected exactly one manifest file (or - for stdin)');
  const file = positionals[0]!;
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  const pods = podsFromManifests(text);
  if (pods.length === 0) throw new Error(`${file}: no Pod or workload with a pod template found`);
  const profile = values.profile ? profileFromText(readFileSync(values.profile, 'utf8')) : DEFAULT_PROFILE;
  const results = explain(pods, parseLabels(values['namespace-labels']), profile, {
    k8sVersion: values['k8s-version'],
    clusterDns: values['cluster-dns'],
    clusterDomain: values['cluster-domain'],
  });
  console.log(
    results.map(values.json ? (r) => JSON.stringify(r) : formatExplanation).join(values.json ? '\n' : '\n\n'),
  );
} catch (err) {
  console.error(`explain: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
