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
export function digestAuthorization(challenge: string, credentials: Credentials, method: string, uri: string): string {
  const param = (name: string): string | undefined => new RegExp(`${name}="?([^",]*)"?`, 'i').exec(challenge)?.[1];
  const realm = param('realm') ?? '';
  const nonce = param('nonce') ?? '';
  const opaque = param('opaque');
  const qop = param('qop')?.split(/\s*,\s*/).includes('auth') === true ? 'auth' : undefined;
  const ha1 = md5(`${credentials.user}:${realm}:${credentials.password}`);
  const ha2 = md5(`${method}:${uri}`);
  const cnonce = randomBytes(8).toString('hex');
  const nc = '00000001';
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
  async post(form: URLSearchParams, accept: string): Promise<HttpAnswer> {
    let lastError: KaizenError | undefined;
    for (let attempt = 0; attempt < this.retry.attempts; attempt++) {
      if (attempt > 0) await sleep(this.retry.firstDelayMs * 2 ** (attempt - 1));
      let answer: HttpAnswer;
      try {
        answer = await this.send(form, accept);
      } catch (error) {
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

  private async send(form: URLSearchParams, accept: string): Promise<HttpAnswer> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept };
    if (this.credentials !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${this.credentials.user}:${this.credentials.password}`).toString('base64')}`;
    }
    let response = await fetch(this.url, { method: 'POST', headers, body: form.toString() });
    const challenge = response.headers.get('www-authenticate');
    if (response.status === 401 && this.credentials !== undefined && challenge !== null && /^digest/i.test(challenge)) {
      await response.arrayBuffer();
      headers.authorization = digestAuthorization(challenge, this.credentials, 'POST', new URL(this.url).pathname);
      response = await fetch(this.url, { method: 'POST', headers, body: form.toString() });
    }
    return { status: response.status, headers: response.headers, body: await response.text() };
  }
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line.trim();
}
