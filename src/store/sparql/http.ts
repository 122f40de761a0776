// HTTP for the SPARQL 1.1 Protocol: form-encoded POSTs with basic or digest credentials, retried
// with exponential backoff on connection errors and 5xx, errors turned into KaizenErrors.

import { createHash, randomBytes } from 'node:crypto';
import { KaizenError } from '../../errors.js';

/** Credentials from the environment (never from the command line, where `ps` shows them). */
export interface Credentials {
  readonly user: string;
  readonly password: string;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Wait before the second attempt; each later wait doubles. */
  readonly firstDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, firstDelayMs: 200 };

/** A response read whole: status, headers and body text. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/** Statuses worth another attempt: the server is busy, restarting or behind a failing proxy. */
function transient(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** The Authorization header answering a `WWW-Authenticate: Digest …` challenge (RFC 7616, MD5, qop=auth). */
export function digestAuthorization(
  challenge: string,
  credentials: Credentials,
  method: string,
  uri: string,
  cnonce = randomBytes(8).toString('hex'),
  count = 1,
): string {
  const param = (name: string): string | undefined => new RegExp(`${name}="?([^",]*)"?`, 'i').exec(challenge)?.[1];
  const realm = param('realm') ?? '';
  const nonce = param('nonce') ?? '';
  const opaque = param('opaque');
  const qop = param('qop')?.split(/\s*,\s*/).includes('auth') === true ? 'auth' : undefined;
  const ha1 = md5(`${credentials.user}:${realm}:${credentials.password}`);
  const ha2 = md5(`${method}:${uri}`);
  const nc = count.toString(16).padStart(8, '0');
  const response = qop === undefined ? md5(`${ha1}:${nonce}:${ha2}`) : md5(`${ha1}:${nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
  const parts = [`username="${credentials.user}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${uri}"`, `response="${response}"`];
  if (qop !== undefined) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  if (opaque !== undefined) parts.push(`opaque="${opaque}"`);
  return `Digest ${parts.join(', ')}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One endpoint: POSTs form bodies to it, authenticating when asked to. */
export class SparqlHttp {
  constructor(
    readonly url: string,
    private readonly credentials: Credentials | undefined,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /**
   * POSTs `form` and returns the 2xx answer. Connection errors and transient statuses are
   * retried with exponential backoff; what still fails is a KaizenError naming the endpoint.
   */
  async post(form: URLSearchParams, accept: string, timeoutMs?: number): Promise<HttpAnswer> {
    let lastError: KaizenError | undefined;
    const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    for (let attempt = 0; attempt < this.retry.attempts; attempt++) {
      if (attempt > 0) await sleep(this.retry.firstDelayMs * 2 ** (attempt - 1));
      let answer: HttpAnswer;
      try {
        answer = await this.send(form, accept, signal);
      } catch (error) {
        if (signal?.aborted === true) {
          throw new KaizenError('KZN_QUERY_FAILED', `the SPARQL query was stopped after its timeout of ${timeoutMs} ms`, {
            hint: 'Narrow the window (fewer partitions), add a LIMIT, or raise the timeout.',
          });
        }
        lastError = new KaizenError('KZN_ENDPOINT_UNREACHABLE', `the SPARQL endpoint ${this.url} cannot be reached: ${reasonOf(error)}`, {
          hint: 'Check that the server runs and that --endpoint names its SPARQL service.',
          cause: error,
        });
        continue;
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      if (answer.status === 401 || answer.status === 403) {
        throw new KaizenError('KZN_ENDPOINT_AUTH', `the SPARQL endpoint ${this.url} refused the request (HTTP ${answer.status}): ${firstLine(answer.body)}`, {
          hint:
            this.credentials === undefined
              ? 'Set KAIZEN_SPARQL_USER and KAIZEN_SPARQL_PASSWORD, or grant the anonymous user SPARQL_UPDATE.'
              : 'Check KAIZEN_SPARQL_USER and KAIZEN_SPARQL_PASSWORD, and that this user may update.',
        });
      }
      const error = new KaizenError('KZN_ENDPOINT_ERROR', `the SPARQL endpoint ${this.url} answered HTTP ${answer.status}: ${firstLine(answer.body)}`);
      if (!transient(answer.status)) throw error;
      lastError = error;
    }
    throw lastError ?? new KaizenError('KZN_ENDPOINT_UNREACHABLE', `the SPARQL endpoint ${this.url} cannot be reached`);
  }

  /** The digest challenge last answered, reused with a rising nonce count until the server refuses it. */
  private digest: { challenge: string; count: number } | undefined;

  private async send(form: URLSearchParams, accept: string, signal?: AbortSignal): Promise<HttpAnswer> {
    const body = form.toString();
    // Uncompressed: a server gzips a large result in about the time it takes to compute it (Virtuoso
    // 0.2 s of the 1 s of a week's rollup rows), which a network to the server rarely gives back.
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept, 'accept-encoding': 'identity' };
    const post = async (authorization?: string): Promise<Response> =>
      fetch(this.url, { method: 'POST', headers: authorization === undefined ? headers : { ...headers, authorization }, body, ...(signal !== undefined && { signal }) });
    const c = this.credentials;
    if (c === undefined) return read(await post());
    if (this.digest !== undefined) {
      const response = await post(this.digestHeader(c));
      if (response.status !== 401) return read(response);
      await response.arrayBuffer();
      this.digest = undefined;
    }
    let response = await post(`Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`);
    if (response.status !== 401) return read(response);
    await response.arrayBuffer();
    // Virtuoso answers a Basic attempt with a bare 401: ask without credentials for the challenge.
    let challenge = response.headers.get('www-authenticate');
    if (challenge === null || !/^digest/i.test(challenge)) {
      response = await post();
      challenge = response.headers.get('www-authenticate');
      if (response.status !== 401 || challenge === null || !/^digest/i.test(challenge)) return read(response);
      await response.arrayBuffer();
    }
    this.digest = { challenge, count: 0 };
    return read(await post(this.digestHeader(c)));
  }

  private digestHeader(c: Credentials): string {
    const d = this.digest!;
    d.count++;
    return digestAuthorization(d.challenge, c, 'POST', new URL(this.url).pathname, undefined, d.count);
  }
}

async function read(response: Response): Promise<HttpAnswer> {
  return { status: response.status, headers: response.headers, body: await response.text() };
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line.trim();
}
