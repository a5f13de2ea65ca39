import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caRenewalReason, renewalReason, servingNames } from '../../../webhook/certs.ts';
import { createCertificateAuthority, issueCertificate } from '../../../shared/x509.ts';

const DAY = 24 * 60 * 60 * 1000;

test('servingNames: the Service DNS names plus extra hosts split into IPs and names', () => {
  assert.deepEqual(
    servingNames('eci-webhook', 'eci-virtual-node', ['127.0.0.1', 'webhook.example.com', '::1']),
    {
      dnsNames: [
        'eci-webhook',
        'eci-webhook.eci-virtual-node',
        'eci-webhook.eci-virtual-node.svc',
        'eci-webhook.eci-virtual-node.svc.cluster.local',
        'webhook.example.com',
      ],
      ipAddresses: ['127.0.0.1', '::1'],
    },
  );
});

test('renewalReason: fresh, near expiry, wrong names, other CA, missing, garbage', async () => {
  const ca = await createCertificateAuthority('ca', 3650);
  const otherCa = await createCertificateAuthority('other', 3650);
  const wanted = servingNames('svc', 'ns', ['127.0.0.1']);
  const leaf = await issueCertificate(ca, {
    commonName: 'svc',
    ...wanted,
    usage: 'server',
    validityDays: 90,
  });
  const now = new Date();

  assert.equal(renewalReason(leaf.certPem, ca.certPem, wanted, now, 0.33), undefined);
  // 80 of 90 days later, less than a third of the lifetime is left.
  assert.match(
    renewalReason(leaf.certPem, ca.certPem, wanted, new Date(now.getTime() + 80 * DAY), 0.33) ?? '',
    /expires/,
  );
  assert.equal(
    renewalReason(leaf.certPem, ca.certPem, wanted, new Date(now.getTime() + 50 * DAY), 0.33),
    undefined,
  );
  assert.match(
    renewalReason(leaf.certPem, ca.certPem, servingNames('svc', 'ns', ['10.0.0.1']), now, 0.33) ?? '',
    /lacks IP Address:10\.0\.0\.1/,
  );
  assert.match(
    renewalReason(leaf.certPem, ca.certPem, servingNames('other-svc', 'ns', []), now, 0.33) ?? '',
    /lacks DNS:other-svc/,
  );
  assert.match(
    renewalReason(leaf.certPem, otherCa.certPem, wanted, now, 0.33) ?? '',
    /not signed by the stored CA/,
  );
  assert.match(renewalReason(undefined, ca.certPem, wanted, now, 0.33) ?? '', /no certificate/);
  assert.match(renewalReason('garbage', ca.certPem, wanted, now, 0.33) ?? '', /unreadable/);
});

test('caRenewalReason follows the CA lifetime', async () => {
  const ca = await createCertificateAuthority('ca', 30);
  assert.equal(caRenewalReason(ca.certPem, new Date(), 0.33), undefined);
  assert.match(caRenewalReason(ca.certPem, new Date(Date.now() + 25 * DAY), 0.33) ?? '', /CA expires/);
  assert.match(caRenewalReason(undefined, new Date(), 0.33) ?? '', /no CA/);
});
