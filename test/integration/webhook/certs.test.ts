// Certificate handling of the real webhook program: rotation of a self-managed
// certificate kept in a Secret (on start and while running), and --cert-dir reload.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { AdmissionregistrationV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { freePort } from '../../harness/ports.ts';
import { createNamespace, deleteNamespace, eventually, uniqueName } from '../helpers.ts';
import {
  createCertificateAuthority,
  issueCertificate,
  type CertificateAuthority,
} from '../../../shared/x509.ts';
import { servingNames } from '../../../webhook/certs.ts';
import { webhookConfiguration } from '../../../webhook/webhook-config.ts';
import { localWebhookArgs, startWebhook, type WebhookProcess } from './process.ts';

let cp: SharedControlPlane;
let core: CoreV1Api;
before(async () => {
  cp = await controlPlane();
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
});

/** The certificate the webhook serves right now. */
function servedCertificate(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(new X509Certificate(raw));
    });
    socket.on('error', reject);
  });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('self-managed certificate rotation', () => {
  const scope = uniqueName('eci-wh-certs');
  const configName = uniqueName('eci-webhook-certs-it');
  let namespace: string;
  let appNamespace: string;
  let webhook: WebhookProcess | undefined;
  let ca: CertificateAuthority;

  async function seedShortLivedCertificate(): Promise<string> {
    const leaf = await issueCertificate(ca, {
      commonName: 'short-lived',
      ...servingNames('eci-webhook', namespace, ['127.0.0.1']),
      usage: 'server',
      validityDays: 1,
    });
    const body = {
      metadata: { name: 'eci-webhook-certs', namespace },
      type: 'kubernetes.io/tls',
      data: {
        'tls.crt': b64(leaf.certPem),
        'tls.key': b64(leaf.keyPem),
        'ca.crt': b64(ca.certPem),
        'ca.key': b64(ca.keyPem),
      },
    };
    try {
      await core.replaceNamespacedSecret({ name: 'eci-webhook-certs', namespace, body });
    } catch {
      await core.createNamespacedSecret({ namespace, body });
    }
    return new X509Certificate(leaf.certPem).serialNumber;
  }

  before(async () => {
    namespace = await createNamespace(cp.kubeConfig, 'eci-wh-certs', { [scope]: 'enabled' });
    appNamespace = await createNamespace(cp.kubeConfig, 'eci-wh-certs-app', {
      [scope]: 'enabled',
      eci: 'true',
    });
    ca = await createCertificateAuthority('seeded-ca', 3650);
  });

  after(async () => {
    await cp.kubeConfig
      .makeApiClient(AdmissionregistrationV1Api)
      .deleteMutatingWebhookConfiguration({ name: configName })
      .catch(() => {});
    await webhook?.stop();
    await deleteNamespace(cp.kubeConfig, namespace);
    await deleteNamespace(cp.kubeConfig, appNamespace);
  });

  test('a stored certificate near expiry is replaced on start and while running; the apiserver keeps reaching the webhook', async () => {
    const seededSerial = await seedShortLivedCertificate();
    const port = await freePort();
    await cp.kubeConfig.makeApiClient(AdmissionregistrationV1Api).createMutatingWebhookConfiguration({
      body: webhookConfiguration({
        name: configName,
        namespace,
        url: `https://127.0.0.1:${port}/mutate`,
        failurePolicy: 'Fail',
        namespaceMatchLabels: { [scope]: 'enabled' },
      }),
    });
    // A 1-day certificate has ~99.93 % of its lifetime left; 0.9995 makes it due, a 365-day one not.
    webhook = await startWebhook([
      ...localWebhookArgs({
        kubeconfigPath: cp.kubeconfigPath,
        port: port,
        namespace,
        configName: configName,
      }),
      '--profile-configmap',
      `${namespace}/eci-profile`,
      '--cert-renew-fraction',
      '0.9995',
      '--cert-check-interval-ms',
      '1000',
    ]);
    const readStored = async () => {
      const secret = await core.readNamespacedSecret({ name: 'eci-webhook-certs', namespace });
      return new X509Certificate(Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString());
    };
    const onStart = await readStored();
    assert.notEqual(onStart.serialNumber, seededSerial, 'renewed on start');
    assert.ok(onStart.checkIssued(new X509Certificate(ca.certPem)), 'the seeded CA is kept');
    assert.ok(new Date(onStart.validTo).getTime() - Date.now() > 300 * 24 * 3600 * 1000);
    assert.equal((await servedCertificate(webhook.port)).serialNumber, onStart.serialNumber);

    const canary = async () => {
      const pod: V1Pod = {
        metadata: { name: 'canary' },
        spec: { containers: [{ name: 'c', image: 'pause' }] },
      };
      const created = await core.createNamespacedPod({ namespace: appNamespace, body: pod, dryRun: 'All' });
      return created.spec?.nodeSelector?.type === 'virtual-kubelet';
    };
    await eventually('apiserver reaches the webhook', canary, 60_000, 500);

    // While running: a short-lived certificate appears in the Secret (as if time had passed).
    const secondSeed = await seedShortLivedCertificate();
    const rotated = await eventually('rotated while running', async () => {
      const stored = await readStored();
      return stored.serialNumber !== secondSeed &&
        new Date(stored.validTo).getTime() - Date.now() > 300 * 24 * 3600 * 1000
        ? stored
        : undefined;
    });
    await eventually(
      'new certificate served',
      async () => (await servedCertificate(webhook!.port)).serialNumber === rotated.serialNumber,
    );
    assert.equal(await canary(), true);
  });
});

describe('two replicas starting at once', () => {
  let namespace: string;
  const replicas: WebhookProcess[] = [];
  before(async () => {
    namespace = await createNamespace(cp.kubeConfig, 'eci-wh-replicas');
  });
  after(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await deleteNamespace(cp.kubeConfig, namespace);
  });

  test('settle on one CA and certificate through the Secret', async () => {
    const args = [
      ...localWebhookArgs({
        kubeconfigPath: cp.kubeconfigPath,
        port: 0,
        namespace,
        configName: uniqueName('absent'),
      }),
      '--profile-configmap',
      `${namespace}/eci-profile`,
    ];
    replicas.push(...(await Promise.all([startWebhook(args), startWebhook(args)])));
    const secret = await core.readNamespacedSecret({ name: 'eci-webhook-certs', namespace });
    const stored = new X509Certificate(Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString());
    for (const replica of replicas) {
      assert.equal((await servedCertificate(replica.port)).serialNumber, stored.serialNumber);
    }
  });
});

describe('--cert-dir', () => {
  let dir: string;
  let webhook: WebhookProcess | undefined;
  let namespace: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eci-wh-certdir-'));
    namespace = await createNamespace(cp.kubeConfig, 'eci-wh-certdir');
  });
  after(async () => {
    await webhook?.stop();
    await rm(dir, { recursive: true, force: true });
    await deleteNamespace(cp.kubeConfig, namespace);
  });

  test('serves the mounted certificate, reloads it when the files change, creates no Secret', async () => {
    const ca = await createCertificateAuthority('mounted-ca', 30);
    const write = async (cn: string) => {
      const leaf = await issueCertificate(ca, {
        commonName: cn,
        ipAddresses: ['127.0.0.1'],
        usage: 'server',
      });
      // Written aside and renamed, like the kubelet's atomic writer.
      await writeFile(join(dir, 'tls.key.new'), leaf.keyPem);
      await writeFile(join(dir, 'tls.crt.new'), leaf.certPem);
      await rename(join(dir, 'tls.key.new'), join(dir, 'tls.key'));
      await rename(join(dir, 'tls.crt.new'), join(dir, 'tls.crt'));
    };
    await write('first');
    webhook = await startWebhook([
      '--kubeconfig',
      cp.kubeconfigPath,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--namespace',
      namespace,
      '--cert-dir',
      dir,
      '--profile-configmap',
      `${namespace}/eci-profile`,
    ]);
    assert.match((await servedCertificate(webhook.port)).subject, /CN=first/);
    await write('second');
    await eventually('reloaded certificate served', async () =>
      /CN=second/.test((await servedCertificate(webhook!.port)).subject),
    );
    const secrets = await core.listNamespacedSecret({ namespace });
    assert.equal(secrets.items.filter((s) => s.metadata?.name === 'eci-webhook-certs').length, 0);
  });
});
