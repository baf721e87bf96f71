// The authorization server of the OAuth resource-server tests (tests/tests/auth_*.rs): a real
// `oidc-provider` (installed into .ci/cache/oidc by .ci/setup-oidc.sh) on a free loopback port.
//
//   node provider.mjs <oidc-provider package dir>
//
// Prints one JSON line, {"issuer": "http://127.0.0.1:PORT"}, once it listens; runs until stdin
// closes (the test dropped it) or it is killed.
//
// - Resource indicators (RFC 8707): a token is issued for the `resource` the client names, with
//   that resource as its audience: a JWT access token (RFC 9068), or an opaque one (for
//   introspection) when the resource's path ends in `/opaque`.
// - Clients (client_secret_basic):
//   `mcp-client` / `client-secret`: client_credentials, scopes `files:read files:write notes:read
//   notes:write mcp`;
//   `short-lived` / `short-secret`: the same, with tokens that live 1 s;
//   `mcp-server` / `server-secret`: the resource server itself, for token introspection;
//   `cli-public` (no secret): a public client of the authorization code flow, redirecting to
//   http://127.0.0.1:ANY-PORT/callback.
// - Logging in (the `toolsmith` CLI's tests, cli/tests/login.rs): Dynamic Client Registration
//   (RFC 7591, loopback redirect URIs on any port, RFC 8252) and the authorization code flow with
//   PKCE; the user's step is approved at once: GET /interaction/UID logs in as `cli-user` and
//   grants what the client asked for. Refresh tokens for every client allowed the
//   `refresh_token` grant (no `offline_access` consent needed).
// - POST /__rotate: the provider starts signing with a new key; the old one stays in its JWKS
//   (a key rotation, as issuers do it), same issuer and port.

import { createServer } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const packageDir = process.argv[2];
if (!packageDir) {
  console.error('usage: node provider.mjs <oidc-provider package dir>');
  process.exit(2);
}
const { default: Provider } = await import(pathToFileURL(join(packageDir, 'lib', 'index.js')).href);

const SCOPES = 'files:read files:write notes:read notes:write mcp';

function rsaKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

function makeProvider(issuer, keys) {
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'mcp-client', client_secret: 'client-secret',
        grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: SCOPES,
      },
      {
        client_id: 'short-lived', client_secret: 'short-secret',
        grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: SCOPES,
      },
      {
        client_id: 'cli-public', token_endpoint_auth_method: 'none', application_type: 'native',
        grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      },
      {
        client_id: 'mcp-server', client_secret: 'server-secret',
        grant_types: [], redirect_uris: [], response_types: [],
      },
    ],
    jwks: { keys },
    scopes: SCOPES.split(' '),
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => ({
          scope: SCOPES,
          audience: resource,
          accessTokenTTL: 3600,
          accessTokenFormat: new URL(resource).pathname.endsWith('/opaque') ? 'opaque' : 'jwt',
        }),
      },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      ClientCredentials: (ctx, token, client) => (client.clientId === 'short-lived' ? 1 : 3600),
    },
  });
  provider.on('server_error', (ctx, err) => console.error('provider error:', err));
  return provider;
}

// The user's step, approved at once: log in as `cli-user`, then grant what is missing.
async function approve(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  let result;
  if (prompt.name === 'login') {
    result = { login: { accountId: 'cli-user' } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

// The tests read the first line of stdout and may close it; oidc-provider's notices (printed
// on stdout later) must not end the process with EPIPE.
process.stdout.on('error', () => {});

let signing = [rsaKey()];
const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  let provider = makeProvider(issuer, signing);
  let handler = provider.callback();
  server.on('request', (req, res) => {
    if (req.method === 'GET' && req.url.startsWith('/interaction/')) {
      approve(provider, req, res).catch((err) => {
        console.error('interaction error:', err);
        res.writeHead(500);
        res.end(String(err));
      });
      return;
    }
    if (req.method === 'POST' && req.url === '/__rotate') {
      signing = [rsaKey(), ...signing];
      provider = makeProvider(issuer, signing);
      handler = provider.callback();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kid: signing[0].kid }));
      return;
    }
    handler(req, res);
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
