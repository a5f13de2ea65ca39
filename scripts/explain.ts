// npm run explain -- <pod.yaml> [--namespace-labels k=v,...] [--profile file] [--json]
//   [--translate [--region cn-hangzhou]] [--k8s-version v1.36.3] [--cluster-dns 10.96.0.10]
//   [--cluster-domain cluster.local]
// Prints whether each pod (or workload pod template) in the file would go to ECI, why,
// the JSON patch the webhook would return and its warnings; with --translate also the
// CreateContainerGroup request the reconciler would send for it. No cluster needed.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { DEFAULT_PROFILE, type EciProfile } from '../shared/profile.ts';
import { formatTranslation, translatePod } from '../reconciler/translate.ts';
import { mutatedPod, type ClusterFacts } from '../webhook/mutate.ts';
import {
  explain,
  formatExplanation,
  parseLabels,
  podsFromManifests,
  profileFromText,
  type Explanation,
} from '../webhook/explain.ts';

const USAGE =
  'usage: npm run explain -- <pod.yaml|-> [--namespace-labels k=v,...] [--profile eci-profile.yaml] [--json]\n' +
  '                          [--translate [--region cn-hangzhou]] [--k8s-version v1.36.3]\n' +
  '                          [--cluster-dns 10.96.0.10] [--cluster-domain cluster.local]';

/** The reconciler's translation of the mutated pod (template pods get a placeholder name). */
function translation(
  pod: V1Pod,
  e: Explanation,
  profile: EciProfile,
  region: string,
  facts: ClusterFacts,
): string {
  const mutated = mutatedPod(pod, e.decision, profile, facts);
  const named: V1Pod = {
    ...mutated,
    metadata: { namespace: 'default', ...mutated.metadata, name: mutated.metadata?.name ?? 'explain-pod' },
  };
  return formatTranslation(
    translatePod({
      pod: named,
      profile,
      defaults: {
        regionId: region,
        vSwitchIds: profile.vSwitchIds.length > 0 ? profile.vSwitchIds : ['vsw-from-profile'],
        securityGroupId: profile.securityGroupId ?? 'sg-from-profile',
        clusterDomain: facts.clusterDomain,
      },
    }),
  );
}

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      'namespace-labels': { type: 'string', default: '' },
      profile: { type: 'string' },
      json: { type: 'boolean', default: false },
      translate: { type: 'boolean', default: false },
      region: { type: 'string', default: 'cn-hangzhou' },
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
  const facts: ClusterFacts = {
    k8sVersion: values['k8s-version'],
    clusterDns: values['cluster-dns'],
    clusterDomain: values['cluster-domain'],
  };
  const results = explain(pods, parseLabels(values['namespace-labels']), profile, facts);
  const out = results.map((r, i) => {
    const request =
      values.translate && r.decision.eci
        ? translation(pods[i]!.pod, r, profile, values.region, facts)
        : undefined;
    if (values.json) return JSON.stringify(request === undefined ? r : { ...r, translation: request });
    const text = formatExplanation(r);
    return request === undefined
      ? text
      : `${text}\n  CreateContainerGroup:\n${request.replace(/^/gm, '    ')}`;
  });
  console.log(out.join(values.json ? '\n' : '\n\n'));
} catch (err) {
  console.error(`explain: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
