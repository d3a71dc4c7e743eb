// Email + authenticator app (TOTP) on the hosted pages: sign up (#totp-signup on signup.html:
// email and names → QR code, secret and a code to confirm the app → the next code signs in) and
// sign in (#totp-signin on index.html: email → code). The QR code arrives as an SVG string; it is
// parsed as image/svg+xml with DOMParser and only the <svg> element tree is adopted (never
// innerHTML), after dropping anything that could run or load (scripts, event attributes, links).
'use strict';
(function () {
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // The SVG of register/totp as DOM, or null when it is not a plain SVG document.
  function svgFromText(text) {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    if (!root || root.namespaceURI !== SVG_NS || root.localName !== 'svg' ||
        doc.getElementsByTagName('parsererror').length) return null;
    for (const node of Array.from(root.querySelectorAll('script, foreignObject, a, use, image, style'))) node.remove();
    for (const node of [root, ...root.querySelectorAll('*')]) {
      for (const attribute of Array.from(node.attributes)) {
        const name = attribute.name.toLowerCase();
        if (name.startsWith('on') || name.endsWith('href') || name === 'style') node.removeAttribute(attribute.name);
      }
    }
    return document.importNode(root, true);
  }

  // "JBSWY3DPEHPK3PXP…" in groups of four, easier to type into an app by hand.
  const grouped = (secret) => secret.replace(/(.{4})/g, '$1 ').trim();

  function codeInput(element, id) {
    return element('input', { id, name: 'code', inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: '6',
      minlength: '6', autocomplete: 'one-time-code', required: '' });
  }

  // login/totp then login/totp/verify; the API's error, or null after afterSignIn().
  async function signIn(g, email, code) {
    const started = await g.api('POST', '/api/v1/auth/login/totp', { email });
    if (!started.ok) return started.error;
    const verified = await g.api('POST', '/api/v1/auth/login/totp/verify', { loginToken: started.data.loginToken, code });
    if (!verified.ok) return verified.error;
    g.afterSignIn();
    return null;
  }

  function renderSignUp(g) {
    const { api, element, showError } = g;
    const section = document.getElementById('totp-signup');
    if (!section) return;
    const error = element('p', { class: 'error', hidden: '' });
    const field = (label, name, type, autocomplete, maxlength) => element('label', { text: label },
      element('input', { name, type, required: '', autocomplete, maxlength }));
    const form = element('form', { id: 'totp-signup-form' },
      field('Email', 'email', 'email', 'email', '254'), field('First name', 'firstName', 'text', 'given-name', '50'),
      field('Last name', 'lastName', 'text', 'family-name', '50'),
      element('button', { type: 'submit', text: 'Continue with an authenticator app' }), error);
    section.append(element('h2', { text: 'With an authenticator app' }), form);

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      showError(error, null);
      const button = form.querySelector('button');
      button.disabled = true;
      try {
        const body = Object.fromEntries(new FormData(form));
        const started = await api('POST', '/api/v1/auth/register/totp', body);
        if (!started.ok) return showError(error, started.error);
        showEnrolment(started.data, body.email);
      } finally { button.disabled = false; }
    });

    // Step 2: scan (or type) the secret, confirm with a code.
    function showEnrolment(data, email) {
      const qr = element('div', { class: 'qr', id: 'totp-qr' });
      const svg = svgFromText(data.qrSvg);
      if (svg) qr.append(svg);
      const code = codeInput(element, 'totp-signup-code');
      const confirmError = element('p', { class: 'error', hidden: '' });
      const confirm = element('form', { id: 'totp-confirm-form' },
        element('p', { text: 'Scan this QR code with your authenticator app, or enter the key by hand.' }), qr,
        element('p', { class: 'muted' }, 'Key: ', element('code', { id: 'totp-secret', text: grouped(data.totpSecret) })),
        element('label', { text: 'The 6-digit code the app shows' }, code),
        element('button', { type: 'submit', text: 'Confirm' }), confirmError);
      section.replaceChildren(element('h2', { text: 'Add Gatehouse to your authenticator app' }), confirm);
      code.focus();
      confirm.addEventListener('submit', async (event) => {
        event.preventDefault();
        showError(confirmError, null);
        const button = confirm.querySelector('button');
        button.disabled = true;
        try {
          const verified = await api('POST', '/api/v1/auth/register/totp/verify', { userId: data.userId, code: code.value.trim() });
          if (verified.ok) return showSignIn(email);
          showError(confirmError, verified.error);
          // Dropped (expired or too many wrong codes): start again.
          if (verified.status === 404) setTimeout(() => location.reload(), 3000);
        } finally { button.disabled = false; }
      });
    }

    // Step 3: the account exists; a code not used yet (the app's next one) signs in.
    function showSignIn(email) {
      const code = codeInput(element, 'totp-signup-signin-code');
      const signInError = element('p', { class: 'error', hidden: '' });
      const next = element('form', { id: 'totp-signup-signin-form' },
        element('p', { text: 'Your account is ready. To sign in, enter the next code your app shows ' +
          '(each code works only once, so wait for a new one).' }),
        element('label', { text: 'Code' }, code), element('button', { type: 'submit', text: 'Sign in' }), signInError);
      section.replaceChildren(element('h2', { text: 'Account created' }), next);
      code.focus();
      next.addEventListener('submit', async (event) => {
        event.preventDefault();
        showError(signInError, null);
        const button = next.querySelector('button');
        button.disabled = true;
        try {
          const failed = await signIn(g, email, code.value.trim());
          if (failed) showError(signInError, failed);
        } finally { button.disabled = false; }
      });
    }
  }

  function renderSignIn(g) {
    const { api, element, showError, afterSignIn } = g;
    const section = document.getElementById('totp-signin');
    if (!section) return;
    const error = element('p', { class: 'error', hidden: '' });
    const email = element('input', { id: 'totp-email', name: 'email', type: 'email', maxlength: '254',
      autocomplete: 'username', required: '' });
    const code = codeInput(element, 'totp-code');
    const codeLabel = element('label', { text: 'Code from your authenticator app', hidden: '' }, code);
    code.disabled = true;
    const button = element('button', { type: 'submit', text: 'Continue' });
    const form = element('form', { id: 'totp-signin-form' }, element('label', { text: 'Email' }, email), codeLabel, button, error);
    section.append(element('h2', { text: 'With an authenticator app' }), form);
    let loginToken = null;

    function reset() {
      loginToken = null;
      codeLabel.hidden = true;
      code.disabled = true;
      code.value = '';
      email.disabled = false;
      button.textContent = 'Continue';
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      showError(error, null);
      button.disabled = true;
      try {
        if (!loginToken) {
          const started = await api('POST', '/api/v1/auth/login/totp', { email: email.value.trim() });
          if (!started.ok) return showError(error, started.error);
          loginToken = started.data.loginToken;
          email.disabled = true;
          code.disabled = false;
          codeLabel.hidden = false;
          button.textContent = 'Sign in';
          code.focus();
          return;
        }
        const verified = await api('POST', '/api/v1/auth/login/totp/verify', { loginToken, code: code.value.trim() });
        if (verified.ok) return afterSignIn();
        showError(error, verified.error);
        code.value = '';
        if (verified.error.code === 'LOGIN_TOKEN_INVALID') reset(); // used up or expired: start over
      } finally { button.disabled = false; }
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    const g = window.gatehouse;
    const page = document.body.dataset.page;
    if (page === 'signup') renderSignUp(g);
    else if (page === 'signin') renderSignIn(g);
  });
})();
