// Which store a command opens: --store embedded|sparql with its endpoint options, else the
// KAIZEN_* environment; credentials only from the environment, never from the command line.

import { KaizenError, quoteInput } from '../errors.js';

export interface StoreOptions {
  store?: string;
  endpoint?: string;
  updateEndpoint?: string;
  graphPrefix?: string;
  instance?: string;
}

export type StoreChoice =
  | { readonly kind: 'embedded'; readonly instance: string }
  | {
      readonly kind: 'sparql';
      readonly instance: string;
      readonly sparql: {
        readonly endpoint: string;
        readonly updateEndpoint?: string;
        readonly graphPrefix?: string;
        readonly credentials?: { user: string; password: string };
      };
    };

/** An http(s) URL, or a usage error naming the option. */
function httpUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new KaizenError('KZN_USAGE', `${option}: expected an http(s) URL like http://127.0.0.1:8890/sparql, got ${quoteInput(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KaizenError('KZN_USAGE', `${option}: expected an http(s) URL, got ${quoteInput(value)}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new KaizenError('KZN_USAGE', `${option}: credentials do not belong in the URL, where process listings show them`, {
      hint: 'Set KAIZEN_SPARQL_USER and KAIZEN_SPARQL_PASSWORD instead.',
    });
  }
  return value;
}

/** Reads the store options (flags first, then the environment) and checks them. */
export function storeChoice(env: Readonly<Record<string, string | undefined>>, opts: StoreOptions): StoreChoice {
  const kind = opts.store ?? env.KAIZEN_STORE ?? 'embedded';
  const instance = opts.instance ?? env.KAIZEN_INSTANCE ?? 'local';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(instance)) {
    throw new KaizenError('KZN_USAGE', `--instance: expected letters, digits, "-" or "_" (at most 64), got ${quoteInput(instance)}`);
  }
  if (kind === 'embedded') return { kind, instance };
  if (kind !== 'sparql') throw new KaizenError('KZN_USAGE', `--store: expected embedded or sparql, got ${quoteInput(kind)}`);
  const endpoint = opts.endpoint ?? env.KAIZEN_SPARQL_ENDPOINT;
  if (endpoint === undefined || endpoint === '') {
    throw new KaizenError('KZN_USAGE', '--store sparql needs --endpoint URL (or KAIZEN_SPARQL_ENDPOINT)', {
      hint: 'For Virtuoso: --endpoint http://127.0.0.1:8890/sparql',
    });
  }
  const update = opts.updateEndpoint ?? env.KAIZEN_SPARQL_UPDATE_ENDPOINT;
  const prefix = opts.graphPrefix ?? env.KAIZEN_SPARQL_GRAPH_PREFIX;
  if (prefix !== undefined && !/^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>"{}|^`\\]*$/.test(prefix)) {
    throw new KaizenError('KZN_USAGE', `--graph-prefix: expected an absolute IRI like urn:kaizen: or https://example.org/kaizen/, got ${quoteInput(prefix)}`);
  }
  const user = env.KAIZEN_SPARQL_USER;
  const password = env.KAIZEN_SPARQL_PASSWORD;
  if ((user === undefined) !== (password === undefined)) {
    throw new KaizenError('KZN_USAGE', 'KAIZEN_SPARQL_USER and KAIZEN_SPARQL_PASSWORD must be set together');
  }
  return {
    kind,
    instance,
    sparql: {
      endpoint: httpUrl(endpoint, '--endpoint'),
      ...(update !== undefined && { updateEndpoint: httpUrl(update, '--update-endpoint') }),
      ...(prefix !== undefined && { graphPrefix: prefix }),
      ...(user !== undefined && password !== undefined && { credentials: { user, password } }),
    },
  };
}
