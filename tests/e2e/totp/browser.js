// The hosted TOTP pages in a real browser: Debian's chromium, headless, driven by
// playwright-core, against the gatehoused that run.sh started at GATEHOUSE_URL. The test plays
// the authenticator app: it reads the key the page shows and computes codes with node:crypto.
//
// Steps: sign up on /ui/signup.html (the QR code is rendered as an SVG element, the key is shown,
// a wrong code is refused on the page, the right one creates the account, the next code signs
// in and lands on the account page with a session), sign out, sign in on /ui/index.html (email
// → code) and land on the account page again. No Content-Security-Policy violation may occur.
'use strict';
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { chromium } = require('playwright-core');

const base = process.env.GATEHOUSE_URL;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const email = `totp-e2e-${Date.now().toString(36)}@example.org`;

function log(...args) { console.log('[e2e.totp]', ...args); }

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const c of text.replace(/\s+/g, '')) {
    const index = alphabet.indexOf(c);
    assert.ok(index >= 0, `not base32: ${c}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

function hotp(secret, counter) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', secret).update(message).digest();
  const offset = mac[19] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

// Like an app: a code for a step not used yet, within the server's window (see TotpTestClient).
const app = { secret: null, lastStep: -1 };
async function nextCode() {
  for (;;) {
    const ms = Date.now();
    if (ms % 30000 >= 28000) { await new Promise((r) => setTimeout(r, 30000 - (ms % 30000) + 50)); continue; }
    const now = Math.floor(ms / 30000);
    const step = Math.max(app.lastStep + 1, now - 1);
    if (step > now + 1) { await new Promise((r) => setTimeout(r, 30000 - (ms % 30000) + 50)); continue; }
    app.lastStep = step;
    return hotp(app.secret, step);
  }
}

async function sessionUser(page) {
  return page.evaluate(async () => {
    const r = await fetch('/api/v1/auth/session', { credentials: 'same-origin' });
    return r.ok ? (await r.json()).user : null;
  });
}

(async () => {
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  const cspViolations = [];
  const pageErrors = [];
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
    page.on('pageerror', (e) => pageErrors.push(String(e)));

    // --- sign up ---------------------------------------------------------------------------
    await page.goto(`${base}/ui/signup.html`);
    const form = page.locator('#totp-signup-form');
    await form.locator('input[name=email]').fill(email);
    await form.locator('input[name=firstName]').fill('Ada');
    await form.locator('input[name=lastName]').fill('Lovelace');
    await form.locator('button').click();

    const svg = page.locator('#totp-qr > svg');
    await svg.waitFor();
    assert.equal(await svg.evaluate((n) => n.namespaceURI), 'http://www.w3.org/2000/svg');
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100, `QR code not rendered: ${JSON.stringify(box)}`);
    assert.equal(await page.locator('#totp-qr script').count(), 0);
    app.secret = base32Decode(await page.locator('#totp-secret').textContent());
    assert.equal(app.secret.length, 20);
    log('QR code shown', Math.round(box.width), 'px, key read');
    if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/totp-signup.png` });

    // A wrong code: the page says so and stays.
    const code = page.locator('#totp-signup-code');
    const good = await nextCode();
    await code.fill(good === '000000' ? '111111' : '000000');
    await page.locator('#totp-confirm-form button').click();
    await page.locator('#totp-confirm-form .error:not([hidden])').waitFor();
    log('wrong code refused:', await page.locator('#totp-confirm-form .error').textContent());
    await code.fill(good);
    await page.locator('#totp-confirm-form button').click();
    await page.locator('#totp-signup-signin-form').waitFor();
    log('account created');

    // The next code signs in and leads to the account page.
    await page.locator('#totp-signup-signin-code').fill(await nextCode());
    await Promise.all([page.waitForURL('**/ui/account.html'), page.locator('#totp-signup-signin-form button').click()]);
    let user = await sessionUser(page);
    assert.equal(user && user.email, email);
    log('signed in after sign-up as', user.email);

    // --- sign out, sign in on index.html ------------------------------------------------------
    await page.evaluate(() => fetch('/api/v1/auth/logout', { method: 'POST', credentials: 'same-origin' }));
    assert.equal(await sessionUser(page), null);
    await page.goto(`${base}/ui/index.html`);
    const signIn = page.locator('#totp-signin-form');
    await signIn.locator('#totp-email').fill(email.toUpperCase());
    await signIn.locator('button').click();
    await page.locator('#totp-code:not([disabled])').waitFor();
    await page.locator('#totp-code').fill(await nextCode());
    await Promise.all([page.waitForURL('**/ui/account.html'), signIn.locator('button').click()]);
    user = await sessionUser(page);
    assert.equal(user && user.email, email);
    log('signed in on index.html as', user.email);

    assert.deepEqual(cspViolations, []);
    assert.deepEqual(pageErrors, []);
    log('PASS');
  } finally {
    await browser.close();
  }
})().catch((e) => { console.error('[e2e.totp] FAIL', e); process.exit(1); });
