// Small stand-ins for GitHub's and Google's OAuth endpoints, because their real servers cannot
// run here: only what Gatehouse calls, checked the way the real ones check it (client secret,
// PKCE S256 verifier, redirect URI, bearer token). Started by the test with one JSON argument
//   {"port": N, "clientId": "...", "clientSecret": "..."}
// GitHub: /login/oauth/authorize, /login/oauth/access_token, /api/user, /api/user/emails.
// Google (OIDC, RS256): /google/.well-known/openid-configuration, /google/authorize,
// /google/token, /google/jwks; the issuer is http://127.0.0.1:N/google.
// Test control, POST /__test/next (JSON), for the next authorisation:
//   {"user": {"id", "login", "name", "emails": [{email, primary, verified}]}   (GitHub)
//    or {"sub", "email", "email_verified", "given_name", "family_name"}          (Google),
//    "token": "ok" | "slow" | "garbage" | "no-token" | "invalid_grant" | "error-200" | "html" | "close"}
// Every request is counted in GET /__test/stats (so a test can see that none was made).
import http from 'node:http';
import crypto from 'node:crypto';
import querystring from 'node:querystring';

const options = JSON.parse(process.argv[2]);
const base = `http://127.0.0.1:${options.port}`;
const googleIssuer = `${base}/google`;
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = `standin-${crypto.randomUUID()}`;
const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

let next = { user: null, token: 'ok' };
const codes = new Map();   // code → {challenge, redirectUri, user, nonce, token}
const tokens = new Map();  // access token → user
const stats = { requests: 0, token: 0 };

const b64url = (data) => Buffer.from(data).toString('base64url');
function signIdToken(claims) {
  const input = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(crypto.sign('sha256', Buffer.from(input), privateKey))}`;
}
function json(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}

function authorize(res, query) {
  if (query.client_id !== options.clientId || query.code_challenge_method !== 'S256' || !query.code_challenge) {
    json(res, 400, { error: 'invalid_request' });
    return;
  }
  const code = crypto.randomBytes(16).toString('hex');
  codes.set(code, { challenge: query.code_challenge, redirectUri: query.redirect_uri, user: next.user,
                    nonce: query.nonce, token: next.token });
  next = { user: null, token: 'ok' };
  const location = `${query.redirect_uri}?${querystring.stringify({ code, state: query.state })}`;
  res.writeHead(302, { Location: location }).end();
}

// Checks the code exchange as a real server would; returns the grant or answers the error.
function exchange(res, form) {
  const grant = codes.get(form.code);
  codes.delete(form.code);
  const verifier = String(form.code_verifier || '');
  if (form.client_id !== options.clientId || form.client_secret !== options.clientSecret) {
    json(res, 401, { error: 'invalid_client' });
    return null;
  }
  if (!grant || grant.redirectUri !== form.redirect_uri
      || crypto.createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
    json(res, 400, { error: 'invalid_grant' });
    return null;
  }
  return grant;
}

// The misbehaviours a test can ask for; true when one was answered.
function misbehave(req, res, grant) {
  switch (grant.token) {
    case 'slow': setTimeout(() => json(res, 200, { access_token: 'late' }), 5000); return true;
    case 'garbage': res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"access_token": '); return true;
    case 'html': res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>maintenance</html>'); return true;
    case 'no-token': json(res, 200, { token_type: 'bearer' }); return true;
    case 'invalid_grant': json(res, 400, { error: 'invalid_grant' }); return true;
    case 'error-200': json(res, 200, { error: 'bad_verification_code' }); return true; // GitHub's way
    case 'close':
      // Hang up on every try of this code: HTTP clients may resend a request once when a
      // kept-alive connection closes under them.
      codes.set(req.oauthCode, grant);
      req.socket.destroy();
      return true;
    default: return false;
  }
}

const server = http.createServer(async (req, res) => {
  stats.requests += 1;
  const [path, rawQuery] = req.url.split('?');
  const query = querystring.parse(rawQuery || '');
  const bearer = (req.headers.authorization || '').replace(/^Bearer /, '');
  if (path === '/__test/next' && req.method === 'POST') {
    next = { token: 'ok', ...JSON.parse(await readBody(req)) };
    res.writeHead(204).end();
  } else if (path === '/__test/stats') {
    json(res, 200, stats);
  } else if (path === '/login/oauth/authorize' || path === '/google/authorize') {
    authorize(res, query);
  } else if (path === '/login/oauth/access_token' && req.method === 'POST') {
    stats.token += 1;
    const form = querystring.parse(await readBody(req));
    req.oauthCode = form.code;
    const grant = exchange(res, form);
    if (!grant || misbehave(req, res, grant)) return;
    const token = crypto.randomBytes(16).toString('hex');
    tokens.set(token, grant.user);
    json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
  } else if (path === '/api/user' || path === '/api/user/emails') {
    const user = tokens.get(bearer);
    if (!user) { json(res, 401, { message: 'Bad credentials' }); return; }
    if (!req.headers['user-agent']) { json(res, 403, { message: 'User-Agent required' }); return; }
    if (path === '/api/user') json(res, 200, { id: user.id, login: user.login, name: user.name || null });
    else json(res, 200, user.emails || []);
  } else if (path === '/google/.well-known/openid-configuration') {
    json(res, 200, {
      issuer: googleIssuer,
      authorization_endpoint: `${googleIssuer}/authorize`,
      token_endpoint: `${googleIssuer}/token`,
      jwks_uri: `${googleIssuer}/jwks`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  } else if (path === '/google/jwks') {
    json(res, 200, { keys: [publicJwk] });
  } else if (path === '/google/token' && req.method === 'POST') {
    stats.token += 1;
    const form = querystring.parse(await readBody(req));
    req.oauthCode = form.code;
    const grant = exchange(res, form);
    if (!grant || misbehave(req, res, grant)) return;
    const now = Math.floor(Date.now() / 1000);
    const idToken = signIdToken({ iss: googleIssuer, aud: options.clientId, azp: options.clientId,
                                  iat: now, exp: now + 3600, nonce: grant.nonce, ...grant.user });
    json(res, 200, { access_token: crypto.randomBytes(16).toString('hex'), token_type: 'Bearer',
                     expires_in: 3599, id_token: idToken });
  } else {
    json(res, 404, { error: 'not_found' });
  }
});
server.listen(options.port, '127.0.0.1', () => console.log(`ready ${base}`));
