import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routedDestinations, vSwitchFlags } from '../../../scripts/conformance/vswitches.ts';

// A real /proc/net/route while another emulator in process mode holds 10.241.0.0/20 and 10.241.16.0/20.
const PROC_NET_ROUTE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  'eciemu63e52f\t0000F10A\t00000000\t0001\t0\t0\t0\t00F0FFFF\t0\t0\t0',
  'eciemu63e52f\t0010F10A\t00000000\t0001\t0\t0\t0\t00F0FFFF\t0\t0\t0',
  'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
  '',
].join('\n');

test('routedDestinations decodes the little-endian hex of /proc/net/route', () => {
  assert.deepEqual(routedDestinations(PROC_NET_ROUTE), ['0.0.0.0', '10.241.0.0', '10.241.16.0', '192.0.2.0']);
});

test('vSwitchFlags takes the first 10.24x.0.0/16 no route touches, for both zones', () => {
  assert.deepEqual(vSwitchFlags([]), [
    'vsw-emu-h=cn-hangzhou-h:10.241.0.0/20',
    'vsw-emu-i=cn-hangzhou-i:10.241.16.0/20',
  ]);
  assert.deepEqual(vSwitchFlags(routedDestinations(PROC_NET_ROUTE)), [
    'vsw-emu-h=cn-hangzhou-h:10.242.0.0/20',
    'vsw-emu-i=cn-hangzhou-i:10.242.16.0/20',
  ]);
  const all = Array.from({ length: 14 }, (_, i) => `10.${241 + i}.0.0`);
  assert.throws(() => vSwitchFlags(all), /no free 10\.241-254\.0\.0\/16/);
});
