// The pure PrivateZone decisions (reconciler/privatezone/records.ts): which Services are
// synced, the addresses each resolves to, the diff against the zone's records (ours only
// are ever removed) and the VPC list BindZoneVpc is sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type { ZoneRecord } from '../../../../reconciler/privatezone/client.ts';
import {
  diffRecords,
  isSynced,
  OWNER_REMARK,
  ownedRecords,
  PRIVATE_ZONE_ENABLE_ANNOTATION,
  serviceAddresses,
  sliceServiceKey,
  vpcsToBind,
  wantedRecords,
  zoneNameFor,
  type WantedRecord,
} from '../../../../reconciler/privatezone/records.ts';

const on = { [PRIVATE_ZONE_ENABLE_ANNOTATION]: 'true' };
function svc(
  name: string,
  spec: V1Service['spec'],
  annotations: Record<string, string> = on,
  status?: V1Service['status'],
): V1Service {
  return { metadata: { name, namespace: 'ns', annotations }, spec, ...(status ? { status } : {}) };
}
function slice(
  service: string,
  endpoints: { ip: string; ready?: boolean }[],
  addressType = 'IPv4',
): V1EndpointSlice {
  return {
    metadata: { name: `${service}-x`, namespace: 'ns', labels: { 'kubernetes.io/service-name': service } },
    addressType,
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }),
    })),
  };
}
let nextId = 1;
const rec = (rr: string, value: string, remark = OWNER_REMARK, type = 'A'): ZoneRecord => ({
  recordId: nextId++,
  rr,
  type,
  value,
  ttl: 60,
  remark,
});
const want = (rr: string, value: string, type: 'A' | 'AAAA' = 'A'): WantedRecord => ({
  rr,
  type,
  value,
  service: `ns/${rr.split('.')[0]}`,
});

test('zone name: svc.cluster.local.<clusterId>', () => {
  assert.equal(zoneNameFor('c0ffee'), 'svc.cluster.local.c0ffee');
});

test('which Services are synced: the ACK annotation "true" (any case), or all when the profile says so', () => {
  const rows: [Record<string, string>, boolean, boolean][] = [
    [on, false, true],
    [{ [PRIVATE_ZONE_ENABLE_ANNOTATION]: 'True ' }, false, true],
    [{ [PRIVATE_ZONE_ENABLE_ANNOTATION]: 'false' }, false, false],
    [{}, false, false],
    [{}, true, true],
    [{ [PRIVATE_ZONE_ENABLE_ANNOTATION]: 'false' }, true, true],
  ];
  for (const [annotations, all, expected] of rows)
    assert.equal(isSynced(svc('a', {}, annotations), all), expected, JSON.stringify([annotations, all]));
});

test('addresses per Service type', () => {
  const rows: [string, V1Service, V1EndpointSlice[], string[]][] = [
    ['ClusterIP → its ClusterIP', svc('a', { clusterIP: '10.0.0.5' }), [], ['10.0.0.5']],
    [
      'dual stack → every ClusterIP',
      svc('a', { clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5', 'fd00::5'] }),
      [],
      ['10.0.0.5', 'fd00::5'],
    ],
    [
      'headless → ready endpoint addresses (absent ready = ready), not-ready left out',
      svc('h', { clusterIP: 'None' }),
      [
        slice('h', [
          { ip: '172.16.0.1' },
          { ip: '172.16.0.2', ready: true },
          { ip: '172.16.0.3', ready: false },
        ]),
      ],
      ['172.16.0.1', '172.16.0.2'],
    ],
    [
      'headless FQDN slices are ignored',
      svc('h', { clusterIP: 'None' }),
      [slice('h', [{ ip: 'x.example' }], 'FQDN')],
      [],
    ],
    ['ExternalName → nothing', svc('e', { type: 'ExternalName', externalName: 'example.com' }), [], []],
    [
      'intranet LoadBalancer → its ingress IPs',
      svc(
        'lb',
        { type: 'LoadBalancer', clusterIP: '10.0.0.7' },
        { ...on, 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type': 'intranet' },
        { loadBalancer: { ingress: [{ ip: '192.168.0.9' }] } },
      ),
      [],
      ['192.168.0.9'],
    ],
    [
      'intranet LoadBalancer without ingress yet → its ClusterIP',
      svc(
        'lb',
        { type: 'LoadBalancer', clusterIP: '10.0.0.7' },
        { ...on, 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type': 'intranet' },
      ),
      [],
      ['10.0.0.7'],
    ],
    [
      'internet LoadBalancer → its ClusterIP',
      svc('lb', { type: 'LoadBalancer', clusterIP: '10.0.0.7' }, on, {
        loadBalancer: { ingress: [{ ip: '47.1.1.1' }] },
      }),
      [],
      ['10.0.0.7'],
    ],
  ];
  for (const [name, service, slices, expected] of rows)
    assert.deepEqual(serviceAddresses(service, slices), expected, name);
});

test('wanted records: RR <service>.<namespace>, A for IPv4 and AAAA for IPv6, unsynced Services left out, no duplicates', () => {
  const services = [
    svc('web', { clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5', 'fd00::5'] }),
    svc('plain', { clusterIP: '10.0.0.6' }, {}),
    svc('peers', { clusterIP: 'None' }),
  ];
  const slices = [
    slice('peers', [{ ip: '172.16.0.1' }]),
    {
      ...slice('peers', [{ ip: '172.16.0.1' }, { ip: '172.16.0.2' }]),
      metadata: { name: 'peers-y', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'peers' } },
    },
  ];
  const got = wantedRecords(services, (k) => slices.filter((s) => sliceServiceKey(s) === k), false);
  assert.deepEqual(got, [
    { rr: 'web.ns', type: 'A', value: '10.0.0.5', service: 'ns/web' },
    { rr: 'web.ns', type: 'AAAA', value: 'fd00::5', service: 'ns/web' },
    { rr: 'peers.ns', type: 'A', value: '172.16.0.1', service: 'ns/peers' },
    { rr: 'peers.ns', type: 'A', value: '172.16.0.2', service: 'ns/peers' },
  ]);
});

test('diff: a table of wanted vs actual', () => {
  const rows: {
    name: string;
    wanted: WantedRecord[];
    actual: ZoneRecord[];
    add: string[];
    remove: string[];
  }[] = [
    {
      name: 'empty zone → add all',
      wanted: [want('a.ns', '10.0.0.1'), want('b.ns', '10.0.0.2')],
      actual: [],
      add: ['a.ns=10.0.0.1', 'b.ns=10.0.0.2'],
      remove: [],
    },
    {
      name: 'in sync → nothing',
      wanted: [want('a.ns', '10.0.0.1')],
      actual: [rec('a.ns', '10.0.0.1')],
      add: [],
      remove: [],
    },
    {
      name: 'changed ClusterIP → remove old, add new',
      wanted: [want('a.ns', '10.0.0.9')],
      actual: [rec('a.ns', '10.0.0.1')],
      add: ['a.ns=10.0.0.9'],
      remove: ['a.ns=10.0.0.1'],
    },
    {
      name: 'deleted Service → its records go',
      wanted: [],
      actual: [rec('gone.ns', '10.0.0.3'), rec('gone.ns', '10.0.0.4')],
      add: [],
      remove: ['gone.ns=10.0.0.3', 'gone.ns=10.0.0.4'],
    },
    {
      name: "someone else's records are never removed",
      wanted: [],
      actual: [rec('other.ns', '10.0.0.3', 'theirs'), rec('other.ns', '10.0.0.4', '')],
      add: [],
      remove: [],
    },
    {
      name: 'a value someone else already publishes is not added again',
      wanted: [want('a.ns', '10.0.0.1')],
      actual: [rec('a.ns', '10.0.0.1', 'theirs')],
      add: [],
      remove: [],
    },
    {
      name: 'our duplicate of a wanted record → one removed',
      wanted: [want('a.ns', '10.0.0.1')],
      actual: [rec('a.ns', '10.0.0.1'), rec('a.ns', '10.0.0.1')],
      add: [],
      remove: ['a.ns=10.0.0.1'],
    },
    {
      name: 'our record of another type (not synced) is left alone',
      wanted: [],
      actual: [rec('a.ns', 'x.example', OWNER_REMARK, 'CNAME')],
      add: [],
      remove: [],
    },
    {
      name: 'scale down 3 → 2',
      wanted: [want('h.ns', '172.16.0.1'), want('h.ns', '172.16.0.2')],
      actual: [rec('h.ns', '172.16.0.1'), rec('h.ns', '172.16.0.2'), rec('h.ns', '172.16.0.3')],
      add: [],
      remove: ['h.ns=172.16.0.3'],
    },
  ];
  const show = (r: { rr: string; value: string }) => `${r.rr}=${r.value}`;
  for (const row of rows) {
    const d = diffRecords(row.wanted, row.actual);
    assert.deepEqual(d.add.map(show), row.add, row.name);
    assert.deepEqual(d.remove.map(show), row.remove, row.name);
  }
});

test('owned records: only ours, only A/AAAA', () => {
  const actual = [
    rec('a.ns', '10.0.0.1'),
    rec('b.ns', '10.0.0.2', 'theirs'),
    rec('c.ns', 'fd00::1', OWNER_REMARK, 'AAAA'),
    rec('d.ns', 'x', OWNER_REMARK, 'TXT'),
  ];
  assert.deepEqual(
    ownedRecords(actual).map((r) => r.rr),
    ['a.ns', 'c.ns'],
  );
});

test('VPC binding: nothing to send when bound; otherwise the bound list plus ours (BindZoneVpc replaces the list)', () => {
  const ours = { regionId: 'cn-hangzhou', vpcId: 'vpc-ours' };
  const theirs = { regionId: 'cn-beijing', vpcId: 'vpc-theirs' };
  assert.equal(vpcsToBind([ours], ours), undefined);
  assert.equal(vpcsToBind([theirs, ours], ours), undefined);
  assert.deepEqual(vpcsToBind([], ours), [ours]);
  assert.deepEqual(vpcsToBind([theirs], ours), [theirs, ours]);
});
