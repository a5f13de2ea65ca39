// The registry credentials of an ImageCache's `imagePullSecrets` (`namespace:secretName`), read
// from the API server the way a pod's are translated (reconciler/translate/registry.ts). A
// missing or unusable Secret fails the pass: the cache would fail to pull its images anyway.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { secretRegistryCredentials } from '../translate/registry.ts';
import type { RegistryCredential } from './controller.ts';
import { splitSecretRef } from './resource.ts';

export function secretCredentialsReader(kc: KubeConfig): (refs: string[]) => Promise<RegistryCredential[]> {
  const core = kc.makeApiClient(CoreV1Api);
  return async (refs) => {
    const out: RegistryCredential[] = [];
    for (const ref of refs) {
      const { namespace, name } = splitSecretRef(ref);
      const secret = await core.readNamespacedSecret({ namespace, name });
      const result = secretRegistryCredentials(secret, ref);
      if ('error' in result) throw new Error(`imagePullSecrets ${ref}: ${result.error}`);
      for (const c of result.credentials) {
        if (!c.server || out.some((x) => x.server === c.server)) continue;
        out.push({ server: c.server, userName: c.userName ?? '', password: c.password ?? '' });
      }
    }
    return out;
  };
}
