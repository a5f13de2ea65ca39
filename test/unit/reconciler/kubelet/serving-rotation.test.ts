// A renewed serving certificate reaches new connections without a restart: the kubelet API
// swaps its TLS context, and the file watcher hands it the new pair (skipping a half-written one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import pino from 'pino';
import { startKubeletApi } from '../../../../reconciler/kubelet-api.ts';
import { watchServingFiles, type ServingPem } from '../../../../reconciler/kubelet/node-tls.ts';
import { createCertificateAuthority, issueCertificate } from '../../../../shared/x509.ts';

const log = pino({ level: 'silent' });

async function serving(cn: string): Promise<ServingPem> {
  const ca = await createCertificateAuthority(`${cn}-ca`, 1);
  return issueCertificate(ca, {
    commonName: cn,
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
    validityDays: 1,
  });
}

function peerCommonName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cn = s.getPeerCertificate().subject?.CN;
      s.destroy();
      resolve(String(cn));
    });
    s.on('error', reject);
  });
}

test('setServing: new connections get the renewed certificate', async () => {
  const api = await startKubeletApi({
    host: '127.0.0.1',
    port: 0,
    nodeIp: '127.0.0.1',
    log,
    serving: await serving('first'),
    groupOf: () => undefined,
    readLog: () => Promise.resolve(''),
  });
  try {
    assert.equal(await peerCommonName(api.port), 'first');
    api.setServing(await serving('second'));
    assert.equal(await peerCommonName(api.port), 'second');
    // A key that does not match the certificate is refused, and the old pair stays.
    const [a, b] = [await serving('third'), await serving('fourth')];
    assert.throws(() => api.setServing({ certPem: a.certPem, keyPem: b.keyPem }));
    assert.equal(await peerCommonName(api.port), 'second');
  } finally {
    await api.close();
  }
});

test('watchServingFiles: a changed pair is handed over; a refused one is skipped until the next change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'serving-rotation-'));
  const [certFile, keyFile] = [join(dir, 'tls.crt'), join(dir, 'tls.key')];
  const first = await serving('first');
  writeFileSync(certFile, first.certPem);
  writeFileSync(keyFile, first.keyPem);
  const seen: string[] = [];
  let refuse = true;
  const got = new Promise<void>((resolve) => {
    const stop = watchServingFiles(
      certFile,
      keyFile,
      (pem) => {
        seen.push(pem.certPem);
        if (refuse) throw new Error('key does not match yet');
        stop();
        resolve();
      },
      log,
      20,
    );
  });
  const second = await serving('second');
  writeFileSync(certFile, second.certPem);
  // Wait until the half-written pair was offered and refused, then complete it.
  while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
  refuse = false;
  writeFileSync(keyFile, second.keyPem);
  await got;
  assert.equal(seen.at(-1), second.certPem);
  rmSync(dir, { recursive: true, force: true });
});
