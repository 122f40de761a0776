// The store options of every command: --store, --endpoint, --graph-prefix, --instance and the
// KAIZEN_* environment, checked before anything is opened.

import { describe, expect, it } from 'vitest';
import { storeChoice } from '../../src/cli/store-choice.js';

describe('choosing a store', () => {
  it('is the embedded store unless told otherwise', () => {
    expect(storeChoice({}, {})).toEqual({ kind: 'embedded', instance: 'local' });
  });

  it('takes the server from the environment, credentials only from there', () => {
    const choice = storeChoice(
      { KAIZEN_STORE: 'sparql', KAIZEN_SPARQL_ENDPOINT: 'http://127.0.0.1:8890/sparql', KAIZEN_SPARQL_USER: 'dba', KAIZEN_SPARQL_PASSWORD: 'dba', KAIZEN_INSTANCE: 'api-1' },
      {},
    );
    expect(choice).toEqual({
      kind: 'sparql',
      instance: 'api-1',
      sparql: { endpoint: 'http://127.0.0.1:8890/sparql', credentials: { user: 'dba', password: 'dba' } },
    });
  });

  it('lets the options win over the environment', () => {
    const choice = storeChoice({ KAIZEN_STORE: 'sparql', KAIZEN_SPARQL_ENDPOINT: 'http://a/sparql' }, { store: 'embedded' });
    expect(choice.kind).toBe('embedded');
  });

  it.each([
    [{ store: 'oxigraph' }, {}, /^--store: expected embedded or sparql, got "oxigraph"/],
    [{ store: 'sparql' }, {}, /^--store sparql needs --endpoint URL/],
    [{ store: 'sparql', endpoint: 'localhost:8890' }, {}, /^--endpoint: expected an http\(s\) URL/],
    [{ store: 'sparql', endpoint: 'http://dba:secret@h/sparql' }, {}, /^--endpoint: credentials do not belong in the URL/],
    [{ store: 'sparql', endpoint: 'http://h/sparql', graphPrefix: 'no prefix' }, {}, /^--graph-prefix: expected an absolute IRI/],
    [{ store: 'sparql', endpoint: 'http://h/sparql' }, { KAIZEN_SPARQL_USER: 'dba' }, /^KAIZEN_SPARQL_USER and KAIZEN_SPARQL_PASSWORD must be set together/],
    [{ instance: 'a:b' }, {}, /^--instance: expected letters, digits/],
  ])('refuses %j (env %j)', (opts, env, message) => {
    expect(() => storeChoice(env, opts)).toThrow(message);
  });
});
