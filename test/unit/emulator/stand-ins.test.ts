// Process mode's built stand-ins (issue 18): the nonewprivs image (a setuid-root nnp as its
// CMD, which escalates unless no_new_privs is set, and ECI never sets it) and BusyBox's ash as
// the /bin/sh of the busybox-based images (its messages, and names like `data-1` kept).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { containerScript } from '../../../emulator/process/container-script.ts';
import {
  imageBacking,
  imageCommand,
  imageFiles,
  imageLinks,
  shellFor,
} from '../../../emulator/process/image-table.ts';
import { privilegeArgs } from '../../../emulator/process/security-context.ts';
import { buildOnce, standInDir, standInFile } from '../../../emulator/process/stand-in-build.ts';

const NONEWPRIVS = 'registry.k8s.io/e2e-test-images/nonewprivs:1.4';
const BUSYBOX = 'registry.k8s.io/e2e-test-images/busybox:1.37.0-1';

const launch = {
  containerDir: '/g/c/a.1',
  pidFile: '/g/c/a.1/pid',
  etcFiles: [],
  mounts: [],
  hostPaths: [],
  terminationLog: { source: '/g/c/a.1/t', target: '/dev/termination-log' },
  env: [] as [string, string][],
  workingDir: '/',
  argv: ['sh', '-c', 'env'],
};

describe('the nonewprivs image', () => {
  test('is a shell image whose CMD is its setuid stand-in nnp at /usr/local/bin/nnp', () => {
    assert.equal(imageBacking(NONEWPRIVS), 'shell');
    assert.deepEqual(imageCommand(NONEWPRIVS), ['nnp']);
    assert.deepEqual(imageFiles(NONEWPRIVS), [{ path: '/usr/local/bin/nnp', standIn: 'nnp' }]);
  });

  test('the other shell images keep sh as their CMD and have no built files', () => {
    for (const image of [
      BUSYBOX,
      'alpine:3.20',
      'debian:12',
      'registry.k8s.io/e2e-test-images/nonroot:1.4',
    ]) {
      assert.deepEqual(imageCommand(image), ['sh'], image);
      assert.deepEqual(imageFiles(image), [], image);
    }
  });

  test('setpriv never sets no_new_privs: a setuid binary escalates for any user and capability set', () => {
    const rows: Parameters<typeof privilegeArgs>[] = [
      [{ uid: 1000, gid: 0 }, ['chown', 'setuid']],
      [{ uid: 1000, gid: 0 }, undefined],
      [undefined, ['kill']],
    ];
    for (const [user, caps] of rows) {
      const args = privilegeArgs(user, caps);
      assert.equal(args[0], 'setpriv');
      assert.ok(!args.some((a) => /no-new-privs|nnp/.test(a)), args.join(' '));
    }
  });
});

describe('the /bin/sh of busybox-based images', () => {
  test('upstream ash once built; bash until then; the host shell for the other images', () => {
    const rows: [string, string | undefined, string | undefined][] = [
      [BUSYBOX, '/cache/busybox-ash-0123', '/cache/busybox-ash-0123'],
      ['alpine:3.20', '/cache/busybox-ash-0123', '/cache/busybox-ash-0123'],
      [NONEWPRIVS, '/cache/busybox-ash-0123', '/cache/busybox-ash-0123'],
      [BUSYBOX, undefined, 'bash'],
      [NONEWPRIVS, undefined, 'bash'],
      ['debian:12', '/cache/busybox-ash-0123', undefined],
      ['registry.k8s.io/e2e-test-images/nonroot:1.4', '/cache/busybox-ash-0123', undefined],
    ];
    for (const [image, built, sh] of rows) assert.equal(shellFor(image, built), sh, image);
  });

  test('nonewprivs (alpine) gets busybox’s /bin/sysctl link like busybox and alpine', () => {
    assert.deepEqual(imageLinks(NONEWPRIVS), imageLinks(BUSYBOX));
  });

  test('a built shell is copied over /bin/sh in the overlay (a non-root user cannot reach the cache)', () => {
    const script = containerScript({ ...launch, sh: '/cache/busybox-ash-0123' });
    assert.match(
      script,
      /\ncp --remove-destination '\/cache\/busybox-ash-0123' '\/g\/c\/a\.1\/root\/bin\/sh'\n/,
    );
    assert.doesNotMatch(script, /ln -sf '\/cache/);
  });
});

describe('where built stand-ins live', () => {
  test('beside the control plane’s binaries, under the same ECI_VN_CACHE override', () => {
    assert.equal(standInDir({}, '/root'), '/root/.cache/eci-virtual-node/emulator-stand-ins');
    assert.equal(standInDir({ ECI_VN_CACHE: '/c' }, '/root'), '/c/emulator-stand-ins');
  });

  test('named by their recipe: the same source the same file, an edited one a new file', () => {
    const a = standInFile('nnp', 'package main // a');
    assert.match(a, /^nnp-[0-9a-f]{12}$/);
    assert.equal(standInFile('nnp', 'package main // a'), a);
    assert.notEqual(standInFile('nnp', 'package main // b'), a);
  });
});

describe('building a stand-in once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stand-in-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('builds when missing, then reuses the file without building again', async () => {
    let builds = 0;
    const build = async (out: string) => {
      builds++;
      writeFileSync(out, 'built');
    };
    const path = join(dir, 'tool-a');
    assert.equal(await buildOnce(path, build), path);
    assert.equal(await buildOnce(path, build), path);
    assert.equal(builds, 1);
    assert.equal(readFileSync(path, 'utf8'), 'built');
  });

  test('emulators starting together build once: the second waits for the first one’s file', async () => {
    let builds = 0;
    const build = async (out: string) => {
      builds++;
      await new Promise((r) => setTimeout(r, 300));
      writeFileSync(out, 'built');
    };
    const path = join(dir, 'tool-b');
    assert.deepEqual(await Promise.all([buildOnce(path, build), buildOnce(path, build)]), [path, path]);
    assert.equal(builds, 1);
    assert.ok(!existsSync(`${path}.lock`));
  });

  test('a failure is recorded and not tried again until it is old enough; then a success clears it', async () => {
    const path = join(dir, 'tool-c');
    let builds = 0;
    const failing = async () => {
      builds++;
      throw new Error('no compiler');
    };
    await assert.rejects(buildOnce(path, failing), /no compiler/);
    await assert.rejects(buildOnce(path, failing), /no compiler \(failed 0 min ago; .*tool-c\.failed\)/);
    assert.equal(builds, 1);
    assert.ok(!existsSync(path) && !existsSync(`${path}.partial`));
    await buildOnce(path, async (out) => writeFileSync(out, 'built'), false, 0);
    assert.ok(existsSync(path) && !existsSync(`${path}.failed`));
  });
});
