// The hosted passkey pages in a real browser: Debian's chromium, headless, driven by
// playwright-core, with a CDP virtual authenticator in place of a security key or a phone.
// Three gatehoused instances (one database) are started by run.sh, each at
// http://localhost:PORT with rpId localhost:
//   GATEHOUSE_URL           the defaults: attestation none, user verification preferred
//   GATEHOUSE_ATTESTING_URL --webauthn-attestation direct
//   GATEHOUSE_VERIFYING_URL --webauthn-user-verification required
//
// Steps: sign up, sign out, sign in with the email, sign in usernameless, add a second passkey
// (another authenticator), remove the first; then a bogus signature and missing UP refused by
// the server; packed attestation (ctap2) and fido-u2f (u2f protocol) accepted; an assertion
// without UV refused where UV is required.
'use strict';
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');

const base = process.env.GATEHOUSE_URL;
const attestingBase = process.env.GATEHOUSE_ATTESTING_URL;
const verifyingBase = process.env.GATEHOUSE_VERIFYING_URL;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const stamp = Date.now().toString(36);

function log(...args) { console.log('[e2e.passkeys]', ...args); }

async function withAuthenticator(cdp, options) {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true, ...options },
  });
  return authenticatorId;
}

// The answer of the next call to `path`, as {status, body}.
function nextAnswer(page, path) {
  return page.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === 'POST')
    .then(async (r) => ({ status: r.status(), body: await r.json().catch(() => null) }));
}

// The signed-in user as the session check sees it (the verify answer's body is gone once the
// page has moved on to the account page).
async function whoAmI(page) {
  return page.evaluate(async () => (await fetch('/api/v1/auth/session')).json());
}

async function signUp(page, origin, email) {
  await page.goto(origin + '/ui/signup.html');
  const form = page.locator('#passkey-signup-form');
  await form.locator('input[name=email]').fill(email);
  await form.locator('input[name=firstName]').fill('Erin');
  await form.locator('input[name=lastName]').fill('Tester');
  const verified = nextAnswer(page, '/api/v1/auth/register/passkey/verify');
  await form.locator('button[type=submit]').click();
  const answer = await verified;
  assert.equal(answer.status, 200, 'sign-up verify: ' + JSON.stringify(answer.body));
  await page.waitForURL('**/ui/account.html');
  return whoAmI(page);
}

async function signOut(page) {
  await page.locator('#sign-out').click();
  await page.waitForURL((url) => url.pathname === '/ui/');
}

async function signIn(page, origin, email, expectStatus = 200) {
  if (page.url() !== origin + '/ui/') await page.goto(origin + '/ui/');
  const form = page.locator('#passkey-signin-form');
  await form.locator('#passkey-email').fill(email);
  const verified = nextAnswer(page, '/api/v1/auth/login/passkey/verify');
  await form.locator('button[type=submit]').click();
  const answer = await verified;
  assert.equal(answer.status, expectStatus, 'sign-in verify: ' + JSON.stringify(answer.body));
  if (expectStatus !== 200) {
    await form.locator('.error').waitFor({ state: 'visible' });
    return answer.body;
  }
  await page.waitForURL('**/ui/account.html');
  return whoAmI(page);
}

async function passkeyRows(page) {
  await page.locator('#passkey-list').waitFor();
  return page.locator('#passkeys tr[data-passkey-id]').evaluateAll((rows) => rows.map((r) => r.dataset.passkeyId));
}

async function mine(page) {
  return page.evaluate(async () => (await (await fetch('/api/v1/me/passkeys')).json()).passkeys);
}

async function main() {
  const browser = await chromium.launch({ executablePath, headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Chromium's virtual authenticator answers a conditional (autofill) request at once, which
    // would sign in on every visit to the sign-in page. The explicit steps turn autofill off;
    // one step turns it on to see exactly that happen.
    // 'e2e-no-json' hides the JSON helpers, as in browsers without them, so the pages' own
    // base64url conversion runs.
    await page.addInitScript(() => {
      if (!window.PublicKeyCredential) return;
      if (localStorage.getItem('e2e-autofill') !== 'on')
        PublicKeyCredential.isConditionalMediationAvailable = async () => false;
      if (localStorage.getItem('e2e-no-json') === 'on') {
        delete PublicKeyCredential.parseCreationOptionsFromJSON;
        delete PublicKeyCredential.parseRequestOptionsFromJSON;
        Object.defineProperty(PublicKeyCredential.prototype, 'toJSON', { value: undefined });
      }
    });
    page.on('dialog', (dialog) => dialog.accept()); // "Remove this passkey?"
    page.on('pageerror', (e) => log('page error:', e.message));
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const platform = await withAuthenticator(cdp, {});

    // Sign up, sign out, sign in with the email, sign out, sign in usernameless.
    const email = `e2e-${stamp}@example.org`;
    const signedUp = await signUp(page, base, email);
    assert.equal(signedUp.user.email, email);
    const first = await passkeyRows(page);
    assert.equal(first.length, 1, 'one passkey after sign-up');
    log('signed up', signedUp.user.id);
    await signOut(page);
    const withEmail = await signIn(page, base, email);
    assert.equal(withEmail.user.id, signedUp.user.id);
    log('signed in with the email');
    await signOut(page);
    const usernameless = await signIn(page, base, '');
    assert.equal(usernameless.user.id, signedUp.user.id);
    log('signed in usernameless');
    // Autofill: signing out lands on the sign-in page, whose conditional request the
    // authenticator answers with the resident passkey.
    await page.evaluate(() => localStorage.setItem('e2e-autofill', 'on'));
    const autofill = nextAnswer(page, '/api/v1/auth/login/passkey/verify');
    await page.locator('#sign-out').click();
    assert.equal((await autofill).status, 200, 'conditional UI sign-in');
    await page.waitForURL('**/ui/account.html');
    assert.equal((await whoAmI(page)).user.id, signedUp.user.id);
    await page.evaluate(() => localStorage.removeItem('e2e-autofill'));
    log('signed in through autofill (conditional mediation)');

    // A second passkey from another authenticator (the first one holds a credential for this
    // account, so excludeCredentials makes it refuse), then remove the first.
    await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: platform, enabled: false });
    const { credentials: saved } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: platform });
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: platform });
    const key = await withAuthenticator(cdp, { transport: 'usb' });
    const added = nextAnswer(page, '/api/v1/me/passkeys/verify');
    await page.locator('#passkey-name').fill('Security key');
    await page.locator('#passkey-add-form button[type=submit]').click();
    assert.equal((await added).status, 201, 'add a passkey');
    await page.waitForFunction(() => document.querySelectorAll('#passkeys tr[data-passkey-id]').length === 2);
    const both = await passkeyRows(page);
    assert.equal(both.length, 2);
    log('added a second passkey');
    const removed = page.waitForResponse((r) => r.request().method() === 'DELETE');
    await page.locator(`#passkeys tr[data-passkey-id="${first[0]}"] button[data-action=remove]`).click();
    assert.equal((await removed).status(), 204, 'remove the first passkey');
    await page.waitForFunction(() => document.querySelectorAll('#passkeys tr[data-passkey-id]').length === 1);
    assert.deepEqual(await passkeyRows(page), both.filter((id) => id !== first[0]));
    // The last one cannot go.
    const refused = page.waitForResponse((r) => r.request().method() === 'DELETE');
    await page.locator('#passkeys tr[data-passkey-id] button[data-action=remove]').click();
    const last = await refused;
    assert.equal(last.status(), 409);
    assert.equal((await last.json()).error.code, 'LAST_SIGN_IN_METHOD');
    log('removed one, the last refused');
    await signOut(page);
    assert.equal((await signIn(page, base, email)).user.id, signedUp.user.id, 'sign in with the second passkey');
    await signOut(page);
    // The removed credential, put back into an authenticator, is no way in any more.
    const old = await withAuthenticator(cdp, {});
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: key });
    for (const credential of saved) await cdp.send('WebAuthn.addCredential', { authenticatorId: old, credential });
    let body = await signIn(page, base, '', 400);
    assert.equal(body.error.code, 'PASSKEY_NOT_FOUND');
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: old });
    log('removed passkey refused');

    // Without parse*OptionsFromJSON and toJSON (older browsers): sign up and in the same way.
    const plain = await withAuthenticator(cdp, {});
    await page.goto(base + '/ui/');
    await page.evaluate(() => localStorage.setItem('e2e-no-json', 'on'));
    const plainEmail = `e2e-plain-${stamp}@example.org`;
    await signUp(page, base, plainEmail);
    assert.equal(await page.evaluate(() => typeof PublicKeyCredential.parseCreationOptionsFromJSON), 'undefined');
    await signOut(page);
    assert.equal((await signIn(page, base, plainEmail)).user.email, plainEmail);
    await signOut(page);
    assert.equal((await signIn(page, base, '')).user.email, plainEmail, 'usernameless: userHandle encoded by hand');
    await signOut(page);
    await page.evaluate(() => localStorage.removeItem('e2e-no-json'));
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: plain });
    log('signed up and in without the JSON helpers');

    // Tampered responses: the server refuses them.
    const tampered = await withAuthenticator(cdp, {});
    const victim = `e2e-bits-${stamp}@example.org`;
    await signUp(page, base, victim);
    await signOut(page);
    await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: tampered, isBogusSignature: true });
    body = await signIn(page, base, victim, 400);
    assert.equal(body.error.code, 'WEBAUTHN_SIGNATURE_INVALID');
    await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: tampered, isBogusSignature: false, isBadUP: true });
    body = await signIn(page, base, victim, 400);
    assert.equal(body.error.code, 'WEBAUTHN_USER_NOT_PRESENT');
    await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: tampered, isBadUP: false });
    await signIn(page, base, victim);
    await signOut(page);
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: tampered });
    log('bogus signature and missing UP refused');

    // Attestation direct: the ctap2 authenticator answers "packed" (with its x5c batch
    // certificate), the U2F one "fido-u2f".
    const packedKey = await withAuthenticator(cdp, {});
    await signUp(page, attestingBase, `e2e-packed-${stamp}@example.org`);
    assert.deepEqual((await mine(page)).map((p) => p.attestationFormat), ['packed']);
    await signOut(page);
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: packedKey });
    const u2f = await withAuthenticator(cdp, { protocol: 'u2f', ctap2Version: undefined, transport: 'usb',
      hasResidentKey: false, hasUserVerification: false, isUserVerified: false });
    const u2fEmail = `e2e-u2f-${stamp}@example.org`;
    await signUp(page, attestingBase, u2fEmail);
    assert.deepEqual((await mine(page)).map((p) => p.attestationFormat), ['fido-u2f']);
    await signOut(page);
    await signIn(page, attestingBase, u2fEmail);
    await signOut(page);
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: u2f });
    log('packed and fido-u2f attestation accepted');

    // User verification required: an assertion without UV is refused.
    const verifying = await withAuthenticator(cdp, {});
    const uvEmail = `e2e-uv-${stamp}@example.org`;
    await signUp(page, verifyingBase, uvEmail);
    await signOut(page);
    await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: verifying, isBadUV: true });
    body = await signIn(page, verifyingBase, uvEmail, 400);
    assert.equal(body.error.code, 'WEBAUTHN_USER_NOT_VERIFIED');
    await cdp.send('WebAuthn.setResponseOverrideBits', { authenticatorId: verifying, isBadUV: false });
    await signIn(page, verifyingBase, uvEmail);
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: verifying });
    log('missing UV refused where it is required');
    log('all passed');
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error('[e2e.passkeys] FAILED:', e && e.stack ? e.stack : e);
  process.exit(1);
});
