// Credentials for a SPARQL server: the digest answer of RFC 2617's own example.

import { describe, expect, it } from 'vitest';
import { digestAuthorization } from '../../../src/store/sparql/http.js';

describe('digest authentication', () => {
  it("answers RFC 2617's example challenge with its response", () => {
    const challenge = 'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
    const header = digestAuthorization(challenge, { user: 'Mufasa', password: 'Circle Of Life' }, 'GET', '/dir/index.html', '0a4f113b');
    expect(header).toMatch(/^Digest username="Mufasa", realm="testrealm@host.com", /);
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('qop=auth, nc=00000001, cnonce="0a4f113b", opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });
});
