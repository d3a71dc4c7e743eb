// A real OpenID Connect provider (npm oidc-provider) on loopback for Gatehouse's social sign-in
// tests. Started by the test with one JSON argument:
//   {"port": N, "alg": "RS256"|"ES256", "clients": [{client_id, client_secret, redirect_uris}],
//    "appleSecret": {"publicKeyPem", "teamId", "keyId"}?}
// Accounts need no database: the login name the test types in the login form *is* the account,
// "sub|email|emailVerified|givenName|familyName", and its claims are read back from it.
//
// Beyond the provider, two test controls (POST /__test/control, JSON):
//   {"tamper": {"claims": {...}, "kid": "B"|"A"}}  the next token answer's ID token is re-signed
//        with these claims replaced (wrong nonce, expired, wrong audience) and/or with key B;
//   {"publishB": true|false}  whether the JWKS lists key B (unknown kid, then key rotation).
// With "appleSecret", the token endpoint accepts the client secret only as Apple does: an ES256
// JWT from the team's key (iss team id, sub client id, aud https://appleid.apple.com, kid).
import http from 'node:http';
import crypto from 'node:crypto';
import querystring from 'node:querystring';
import Provider from 'oidc-provider';

const options = JSON.parse(process.argv[2]);
const issuer = `http://127.0.0.1:${options.port}`;
const alg = options.alg || 'RS256';

function makeKey(kid) {
  const pair = alg === 'ES256'
    ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateJwk = { ...pair.privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { privateKey: pair.privateKey, privateJwk, publicJwk };
}
const keyA = makeKey(`key-a-${crypto.randomUUID()}`);
const keyB = makeKey(`key-b-${crypto.randomUUID()}`);
let publishB = false;
let tamper = null;

const b64url = (buffer) => Buffer.from(buffer).toString('base64url');
function sign(claims, key) {
  const header = { alg, typ: 'JWT', kid: key.publicJwk.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = alg === 'ES256'
    ? crypto.sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
    : crypto.sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${b64url(signature)}`;
}

function accountClaims(id) {
  const [sub, email, verified, given, family] = id.split('|');
  const claims = { sub };
  if (email) { claims.email = email; claims.email_verified = verified === 'true'; }
  if (given) claims.given_name = given;
  if (family) claims.family_name = family;
  if (given || family) claims.name = [given, family].filter(Boolean).join(' ');
  return claims;
}

const configuration = {
  clients: options.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: alg,
    ...client,
  })),
  jwks: { keys: [keyA.privateJwk] },
  findAccount: async (ctx, id) => ({ accountId: id, claims: async () => accountClaims(id) }),
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
    name: ['name', 'given_name', 'family_name'],
  },
  scopes: ['openid', 'email', 'profile', 'name'],
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true, methods: ['S256'] },
  responseTypes: ['code'],
  enabledJWA: { idTokenSigningAlgValues: [alg] },
  cookies: { keys: ['gatehouse-test-cookie-key'] },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
};
const provider = new Provider(issuer, configuration);
provider.on('server_error', (ctx, error) => console.error('server_error', error));
const handle = provider.callback();

function verifyAppleSecret(secret, clientId) {
  const [h, p, s] = String(secret || '').split('.');
  if (!s) return false;
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`),
    { key: options.appleSecret.publicKeyPem, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  const now = Math.floor(Date.now() / 1000);
  return ok && header.alg === 'ES256' && header.kid === options.appleSecret.keyId
    && claims.iss === options.appleSecret.teamId && claims.sub === clientId
    && claims.aud === 'https://appleid.apple.com' && claims.iat <= now + 5
    && claims.exp > now && claims.exp - claims.iat <= 15777000;
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}

// Re-signs the ID token of the next token answer as told by the control endpoint.
function interceptTokenAnswer(res) {
  const end = res.end.bind(res);
  res.end = (chunk, ...rest) => {
    if (tamper && chunk) {
      try {
        const answer = JSON.parse(chunk.toString());
        if (answer.id_token) {
          const claims = JSON.parse(Buffer.from(answer.id_token.split('.')[1], 'base64url'));
          Object.assign(claims, tamper.claims || {});
          answer.id_token = sign(claims, tamper.kid === 'B' ? keyB : keyA);
          tamper = null;
          const body = JSON.stringify(answer);
          if (!res.headersSent) res.setHeader('Content-Length', Buffer.byteLength(body));
          return end(body, ...rest);
        }
      } catch (error) {
        console.error('tamper failed', error);
      }
    }
    return end(chunk, ...rest);
  };
}

const server = http.createServer(async (req, res) => {
  const path = req.url.split('?')[0];
  if (path === '/__test/control' && req.method === 'POST') {
    const control = JSON.parse(await readBody(req) || '{}');
    if ('tamper' in control) tamper = control.tamper;
    if ('publishB' in control) publishB = !!control.publishB;
    res.writeHead(204).end();
    return;
  }
  if (path === '/jwks') {
    const keys = publishB ? [keyA.publicJwk, keyB.publicJwk] : [keyA.publicJwk];
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys }));
    return;
  }
  if (path === '/token' && req.method === 'POST') {
    const raw = await readBody(req);
    const form = querystring.parse(raw);
    if (options.appleSecret) {
      if (!verifyAppleSecret(form.client_secret, form.client_id)) {
        res.writeHead(401, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ error: 'invalid_client', error_description: 'client secret JWT refused' }));
        return;
      }
      // The JWT checked, the provider itself knows the client by its registered secret.
      form.client_secret = options.clients.find((c) => c.client_id === form.client_id)?.client_secret;
    }
    req.body = querystring.stringify(form);
    interceptTokenAnswer(res);
  }
  handle(req, res);
});
server.listen(options.port, '127.0.0.1', () => console.log(`ready ${issuer}`));
