// Limits on an AdmissionReview body, enforced before it is parsed: a 4 MiB body of nested
// brackets kept the event loop busy for over a second in JSON.parse and the collector,
// and every other review waited behind it.
//
// Size: the apiserver refuses request bodies over 3 MiB (its MaxRequestBodyBytes) and etcd
// objects over 1.5 MiB (--max-request-bytes), and on CREATE a review carries the pod once
// (oldObject is null), so no pod the cluster can store comes near 3 MiB.
// Depth: a pod nests about 15 levels (managedFields, affinity terms, ephemeral volume
// claim templates); 100 leaves ample room and keeps JSON.parse cheap.
import type { FastifyInstance } from 'fastify';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;
export const MAX_JSON_DEPTH = 100;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Pure: the offset at which JSON text first nests deeper than `maxDepth`, or -1. Brackets
 * inside strings do not count; strings are skipped with indexOf, so the cost is mostly the
 * structural characters. Malformed text is left for JSON.parse to report.
 */
export function depthExceededAt(text: string, maxDepth = MAX_JSON_DEPTH): number {
  if (!hasMoreOpeningBrackets(text, maxDepth)) return -1; // the usual review: no scan needed
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote: the first one not escaped by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return -1;
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return i;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return -1;
}

/** Whether the text holds more than `limit` of `{` and `[` together (the bound on its depth). */
function hasMoreOpeningBrackets(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i !== -1; i = text.indexOf(bracket, i + 1)) {
      if (++count > limit) return true;
    }
  }
  return false;
}

/** A client error fastify's error handler passes on with its status code. */
function clientError(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { statusCode, code });
}

/**
 * Replaces fastify's JSON parser with one that refuses deep nesting before parsing, then
 * parses as fastify would (prototype-poisoning checks included). The size cap is fastify's
 * bodyLimit (413), applied while the body streams in.
 */
export function installJsonLimits(app: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    const at = depthExceededAt(text, maxDepth);
    if (at !== -1) {
      done(
        clientError(
          400,
          'ECI_JSON_TOO_DEEP',
          `JSON nests deeper than ${maxDepth} levels (at character ${at}): not an AdmissionReview a kube-apiserver sends`,
        ),
        undefined,
      );
      return;
    }
    parseJson(request, text, done);
  });
}
