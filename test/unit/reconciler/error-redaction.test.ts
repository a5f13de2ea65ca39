// Issue 10 item 2: no request parameter (env values from Secrets, registry passwords,
// secret-volume contents) leaves an ECI call through its error. Every call the `Eci` client
// makes is driven through every error path — HTTP error answers, throttling, 5xx,
// connection reset, timeout, refused connection, DNS failure, TLS failure — and every sink
// is searched: the thrown error (message, stack, properties, as pino logs it), the
// classified error and describeEciError (Events, pod status), and the metric outcome label.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.ts';
import { EmulatorAdmin, type FaultSpec } from '../../../emulator/admin-client.ts';
import { $Eci, Eci } from '../../../reconciler/provider/eci-client.ts';
import { classifyEciError, describeEciError, EciCallError } from '../../../reconciler/provider/eci-errors.ts';
import { createCertificateAuthority, issueCertificate } from '../../../shared/x509.ts';

const ENV_SECRET = 's3cr3t-DB-PASSWORD';
const REGISTRY_PASSWORD = 's3cr3t-REGISTRY-PASSWORD';
const VOLUME_SECRET = 's3cr3t-VOLUME-CONTENT';
const TAG_SECRET = 's3cr3t-TAG-VALUE';
const VOLUME_CONTENT = Buffer.from(VOLUME_SECRET).toString('base64');

/** Every form a secret takes on the wire or in a message. */
const FORBIDDEN = [ENV_SECRET, REGISTRY_PASSWORD, VOLUME_SECRET, TAG_SECRET, VOLUME_CONTENT].flatMap((s) => [
  s,
  encodeURIComponent(s),
]);
/** A query string or a `Key=Value` run of request parameters. */
const QUERY = /\?[^\s]*=|[\w.]+=[^\s&]*&/;

function secretRequest(): $Eci.CreateContainerGroupRequest {
  return new $Eci.CreateContainerGroupRequest({
    containerGroupName: 'leak-test',
    securityGroupId: 'sg-emu',
    vSwitchId: 'vsw-emu-h',
    container: [
      new $Eci.CreateContainerGroupRequestContainer({
        name: 'app',
        image: 'nginx:1.27',
        environmentVar: [
          new $Eci.CreateContainerGroupRequestContainerEnvironmentVar({
            key: 'DB_PASSWORD',
            value: ENV_SECRET,
          }),
        ],
        volumeMount: [
          new $Eci.CreateContainerGroupRequestContainerVolumeMount({ name: 'creds', mountPath: '/c' }),
        ],
      }),
    ],
    volume: [
      new $Eci.CreateContainerGroupRequestVolume({
        name: 'creds',
        type: 'ConfigFileVolume',
        configFileVolume: new $Eci.CreateContainerGroupRequestVolumeConfigFileVolume({
          configFileToPath: [
            new $Eci.CreateContainerGroupRequestVolumeConfigFileVolumeConfigFileToPath({
              path: 'password',
              content: VOLUME_CONTENT,
            }),
          ],
        }),
      }),
    ],
    imageRegistryCredential: [
      new $Eci.CreateContainerGroupRequestImageRegistryCredential({
        server: 'registry.example.com',
        userName: 'robot',
        password: REGISTRY_PASSWORD,
      }),
    ],
  });
}

const TAGS = [{ key: 'team', value: TAG_SECRET }];

/** Every call the Eci class makes, each with parameters that carry a secret. */
const CALLS: Record<string, (eci: Eci) => Promise<unknown>> = {
  CreateContainerGroup: (eci) => eci.createContainerGroup(secretRequest()),
  DeleteContainerGroup: (eci) => eci.deleteContainerGroup(`eci-${TAG_SECRET}`),
  DescribeContainerGroups: (eci) => eci.describeContainerGroups({ ids: [`eci-${TAG_SECRET}`], tags: TAGS }),
  'DescribeContainerGroups (all pages)': (eci) => eci.listContainerGroups(TAGS),
  DescribeContainerLog: (eci) =>
    eci.containerLog({ containerGroupId: `eci-${TAG_SECRET}`, containerName: TAG_SECRET, tail: 10 }),
  DescribeContainerGroupStatus: (eci) => eci.changedSince(60, TAGS),
};

interface Sinks {
  log: string;
  outcomes: string[];
}

function eciFor(endpoint: string, protocol: 'http' | 'https', sinks: Sinks): Eci {
  return new Eci({
    endpoint,
    protocol,
    regionId: 'cn-hangzhou',
    credentials: { accessKeyId: 'emulator-access-key-id', accessKeySecret: 'emulator-access-key-secret' },
    timeoutMs: 400,
    onCall: (_action, outcome) => sinks.outcomes.push(outcome),
  });
}

/** A pino logger with the default serializers and no redaction, writing into `sinks.log`. */
function captureLogger(sinks: Sinks) {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      sinks.log += chunk.toString();
      done();
    },
  });
  return pino({ level: 'debug' }, stream);
}

function assertClean(where: string, text: string): void {
  for (const s of FORBIDDEN) assert.ok(!text.includes(s), `${where} leaks ${s}: ${text}`);
  assert.doesNotMatch(text, QUERY, `${where} carries a query string`);
}

/** Calls `call`, expects it to fail, and searches every sink the failure reaches. */
async function driveAndSearch(eci: Eci, sinks: Sinks, call: (eci: Eci) => Promise<unknown>): Promise<string> {
  let thrown: unknown;
  try {
    await call(eci);
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown, 'the call failed');
  assert.ok(
    thrown instanceof EciCallError,
    `the client throws its own error, not the SDK's: ${inspect(thrown)}`,
  );
  const log = captureLogger(sinks);
  // The ways reconciler/ logs and reports an ECI failure.
  log.warn({ err: thrown, uid: 'u' }, 'reconcile failed; retrying with backoff');
  const e = classifyEciError(thrown);
  log.error({ code: e.code }, `cannot list container groups: ${describeEciError(e)}`);
  log.info({ err: e }, 'classified');
  await new Promise((r) => setImmediate(r));
  assertClean('error message', thrown.message);
  assertClean('error stack', thrown.stack ?? '');
  assertClean('inspect(error)', inspect(thrown, { depth: 10, showHidden: true }));
  assertClean('JSON of the error', JSON.stringify(thrown));
  assertClean('classified message', e.message);
  assertClean('describeEciError', describeEciError(e));
  assertClean('pino log', sinks.log);
  assert.ok(sinks.outcomes.length > 0, 'onCall saw the failure');
  for (const o of sinks.outcomes) {
    assertClean('metric outcome', o);
    assert.match(o, /^[\w.:-]{1,80}$/, `metric outcome ${o} is a short code`);
  }
  return e.code;
}

let emu: EmulatorHandle;
let tlsEmu: EmulatorHandle;
let admin: EmulatorAdmin;
let closedPort = 0;

before(async () => {
  emu = await startEmulator({ logLevel: 'silent', quotas: false });
  admin = new EmulatorAdmin(emu.url);
  const ca = await createCertificateAuthority('error-redaction-untrusted-ca');
  const leaf = await issueCertificate(ca, {
    commonName: '127.0.0.1',
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  tlsEmu = await startEmulator({ logLevel: 'silent', tls: leaf });
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
});
after(async () => {
  await emu.close();
  await tlsEmu.close();
});

const FAULTS: Record<string, { fault: Omit<FaultSpec, 'action'>; code: RegExp }> = {
  'an HTTP error answer (400 InvalidParameter)': {
    fault: { code: 'InvalidParameter', httpStatus: 400, message: 'The specified parameter is not valid.' },
    code: /^InvalidParameter$/,
  },
  'an HTTP error whose message echoes the request (SignatureDoesNotMatch, string to sign)': {
    fault: {
      code: 'SignatureDoesNotMatch',
      httpStatus: 400,
      message: `Specified signature is not matched with our calculation. server string to sign is:POST&%2F&Container.1.EnvironmentVar.1.Value%3D${ENV_SECRET}%26Tag.1.Value%3D${TAG_SECRET}`,
    },
    code: /^SignatureDoesNotMatch$/,
  },
  'an HTTP error whose message echoes a parameter (Key=Value)': {
    fault: {
      code: 'InvalidParameter',
      httpStatus: 400,
      message: `The specified parameter Container.1.EnvironmentVar.1.Value=${ENV_SECRET} is not valid.`,
    },
    code: /^InvalidParameter$/,
  },
  'throttling (Throttling.User)': {
    fault: { code: 'Throttling.User', httpStatus: 400 },
    code: /^Throttling\.User$/,
  },
  'a permission error (403 Forbidden.RAM)': {
    fault: { code: 'Forbidden.RAM', httpStatus: 403 },
    code: /^Forbidden\.RAM$/,
  },
  'a 5xx (503 ServiceUnavailable)': {
    fault: { code: 'ServiceUnavailable', httpStatus: 503 },
    code: /^ServiceUnavailable$/,
  },
  'not found (404)': {
    fault: { code: 'InvalidContainerGroup.NotFound', httpStatus: 404 },
    code: /^InvalidContainerGroup\.NotFound$/,
  },
  'a connection reset': { fault: { kind: 'reset' }, code: /^ECONNRESET$/ },
  'a timeout (no answer)': { fault: { kind: 'hang' }, code: /Timeout/ },
};

describe('no secret leaves an ECI call through its error', () => {
  for (const [path, { fault, code }] of Object.entries(FAULTS)) {
    for (const [action, call] of Object.entries(CALLS)) {
      test(`${action}: ${path}`, async () => {
        await admin.setFault({ action: '*', errorRate: 1, ...fault });
        try {
          const sinks: Sinks = { log: '', outcomes: [] };
          assert.match(await driveAndSearch(eciFor(emu.endpoint, 'http', sinks), sinks, call), code);
        } finally {
          await admin.clearFaults();
        }
      });
    }
  }

  for (const [action, call] of Object.entries(CALLS)) {
    test(`${action}: connection refused`, async () => {
      const sinks: Sinks = { log: '', outcomes: [] };
      const code = await driveAndSearch(eciFor(`127.0.0.1:${closedPort}`, 'http', sinks), sinks, call);
      assert.equal(code, 'ECONNREFUSED');
    });
    test(`${action}: DNS failure for a bad endpoint`, async () => {
      const sinks: Sinks = { log: '', outcomes: [] };
      const code = await driveAndSearch(eciFor('eci.no-such-host.invalid', 'http', sinks), sinks, call);
      // A resolver that cannot be reached (no network) times out instead of answering NXDOMAIN.
      assert.match(code, /^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|RequestTimeoutError)$/);
    });
    test(`${action}: TLS failure (untrusted certificate)`, async () => {
      const sinks: Sinks = { log: '', outcomes: [] };
      const code = await driveAndSearch(eciFor(tlsEmu.endpoint, 'https', sinks), sinks, call);
      assert.match(code, /CERT|SIGNED|VERIFY/);
    });
  }

  test('the redacted message keeps what an operator needs: the code and the endpoint host', async () => {
    await admin.setFault({ action: 'CreateContainerGroup', errorRate: 1, kind: 'reset' });
    try {
      const sinks: Sinks = { log: '', outcomes: [] };
      const err = await eciFor(emu.endpoint, 'http', sinks)
        .createContainerGroup(secretRequest())
        .then(
          () => undefined,
          (e: unknown) => e as EciCallError,
        );
      assert.ok(err instanceof EciCallError);
      assert.equal(err.action, 'CreateContainerGroup');
      assert.equal(err.code, 'ECONNRESET');
      assert.equal(err.category, 'network');
      assert.equal(err.retryable, true);
      assert.ok(err.message.includes(emu.endpoint), `${err.message} names the endpoint`);
      assert.deepEqual(sinks.outcomes, ['ECONNRESET']);
    } finally {
      await admin.clearFaults();
    }
  });

  test('an HTTP error keeps its RequestId and status', async () => {
    await admin.setFault({
      action: 'DeleteContainerGroup',
      errorRate: 1,
      code: 'InternalError',
      httpStatus: 500,
    });
    try {
      const sinks: Sinks = { log: '', outcomes: [] };
      const err = await eciFor(emu.endpoint, 'http', sinks)
        .deleteContainerGroup('eci-x')
        .then(
          () => undefined,
          (e: unknown) => e as EciCallError,
        );
      assert.ok(err instanceof EciCallError);
      assert.equal(err.statusCode, 500);
      assert.equal(err.category, 'server');
      assert.match(err.requestId ?? '', /^[\w-]+$/);
      assert.match(describeEciError(classifyEciError(err)), /^InternalError: .+ \(RequestId: [\w-]+\)$/);
    } finally {
      await admin.clearFaults();
    }
  });
});
