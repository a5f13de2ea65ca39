// The agnhost image ships a "localhost" certificate and key at /localhost.crt and
// /localhost.key (the lifecycle-hook specs start netexec with them for HTTPS;
// https://github.com/kubernetes/kubernetes/blob/v1.36.3/test/images/agnhost/netexec/netexec.go).
// Process mode makes one pair per emulator and shows it at those paths in agnhost containers.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate, type KeyPairPem } from '../../shared/x509.ts';

export const AGNHOST_CERT_FILES = [
  { name: 'localhost.crt', target: '/localhost.crt' },
  { name: 'localhost.key', target: '/localhost.key' },
] as const;

let pair: Promise<KeyPairPem> | undefined;

function localhostPair(): Promise<KeyPairPem> {
  pair ??= createCertificateAuthority('agnhost-localhost-ca').then((ca) =>
    issueCertificate(ca, {
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    }),
  );
  return pair;
}

/** Writes the pair under `<groupDir>/agnhost/`, readable by any container user (the image's are). */
export async function writeAgnhostCerts(groupDir: string): Promise<void> {
  const { certPem, keyPem } = await localhostPair();
  const dir = join(groupDir, 'agnhost');
  mkdirSync(dir, { recursive: true });
  const [crt, key] = AGNHOST_CERT_FILES;
  writeFileSync(join(dir, crt.name), certPem);
  writeFileSync(join(dir, key.name), keyPem);
  chmodSync(join(dir, key.name), 0o644);
}

/** The bind mounts that show the pair in an agnhost container. */
export function agnhostCertMounts(groupDir: string): { source: string; target: string }[] {
  return AGNHOST_CERT_FILES.map((f) => ({ source: join(groupDir, 'agnhost', f.name), target: f.target }));
}
