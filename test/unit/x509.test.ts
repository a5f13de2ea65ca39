import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import {
  certificateExpiry,
  createCertificateAuthority,
  issueCertificate,
  loadCertificateAuthority,
} from '../../shared/x509.ts';

test('a CA issues a serving cert with IP and DNS SANs that verifies against it', async () => {
  const ca = await createCertificateAuthority('unit-ca', 10);
  const leaf = await issueCertificate(ca, {
    commonName: 'webhook',
    dnsNames: ['webhook.kube-system.svc'],
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
    validityDays: 2,
  });
  const caCert = new X509Certificate(ca.certPem);
  const cert = new X509Certificate(leaf.certPem);
  assert.equal(caCert.ca, true);
  assert.equal(cert.ca, false);
  assert.ok(cert.verify(caCert.publicKey));
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(cert.checkHost('webhook.kube-system.svc'), 'webhook.kube-system.svc');
  assert.equal(cert.checkHost('other.example'), undefined);
  assert.ok(cert.keyUsage?.includes('1.3.6.1.5.5.7.3.1'));
  assert.ok(cert.checkPrivateKey(createPrivateKey(leaf.keyPem)));
  const days = (certificateExpiry(leaf.certPem).getTime() - Date.now()) / 86_400_000;
  assert.ok(days > 1.9 && days <= 2.01, `expiry in ${days} days`);
});

test('a client cert carries the groups as O and the user as CN', async () => {
  const ca = await createCertificateAuthority('unit-ca');
  const leaf = await issueCertificate(ca, {
    commonName: 'admin',
    organizations: ['system:masters'],
    usage: 'client',
  });
  const cert = new X509Certificate(leaf.certPem);
  assert.match(cert.subject, /O=system:masters/);
  assert.match(cert.subject, /CN=admin/);
  assert.ok(cert.keyUsage?.includes('1.3.6.1.5.5.7.3.2'));
  assert.ok(!cert.keyUsage?.includes('1.3.6.1.5.5.7.3.1'));
});

test('a CA reloaded from PEM keeps issuing certs that verify against the original', async () => {
  const ca = await createCertificateAuthority('persisted-ca');
  const reloaded = await loadCertificateAuthority(ca.certPem, ca.keyPem);
  const leaf = await issueCertificate(reloaded, { commonName: 'x', dnsNames: ['x'], usage: 'server' });
  assert.ok(new X509Certificate(leaf.certPem).verify(new X509Certificate(ca.certPem).publicKey));
});
