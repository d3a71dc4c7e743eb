// Passkeys on the hosted pages: sign up (#passkey-signup), sign in with an email or
// usernameless, with autofill ("conditional UI") where the browser has it (#passkey-signin), and
// the account's passkeys: list, add, remove (#passkeys). The server's options are WebAuthn's
// JSON forms; PublicKeyCredential.parse*OptionsFromJSON and credential.toJSON() turn them into
// what navigator.credentials wants and back where the browser has them (Chromium, Firefox 119+,
// Safari 18), and the small base64url helpers below do it everywhere else.
'use strict';
(function () {
  const b64 = {
    encode(buffer) {
      const bytes = new Uint8Array(buffer);
      let text = '';
      for (const byte of bytes) text += String.fromCharCode(byte);
      return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    },
    decode(text) {
      const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
      return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
    },
  };

  function descriptors(list) {
    return (list || []).map((d) => ({ ...d, id: b64.decode(d.id) }));
  }

  function creationOptions(json) {
    if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function')
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    return { ...json, challenge: b64.decode(json.challenge), user: { ...json.user, id: b64.decode(json.user.id) },
      excludeCredentials: descriptors(json.excludeCredentials) };
  }

  function requestOptions(json) {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function')
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    return { ...json, challenge: b64.decode(json.challenge), allowCredentials: descriptors(json.allowCredentials) };
  }

  function credentialJson(credential) {
    if (typeof credential.toJSON === 'function') return credential.toJSON();
    const r = credential.response;
    const response = { clientDataJSON: b64.encode(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = b64.encode(r.attestationObject);
      response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
    } else {
      response.authenticatorData = b64.encode(r.authenticatorData);
      response.signature = b64.encode(r.signature);
      if (r.userHandle) response.userHandle = b64.encode(r.userHandle);
    }
    return { id: credential.id, rawId: b64.encode(credential.rawId), type: credential.type, response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults() };
  }

  // What the browser's own refusal means for the person in front of it.
  function browserError(e) {
    if (e && e.name === 'NotAllowedError') return { code: 'CANCELLED', message: 'The passkey request was cancelled or timed out.' };
    if (e && e.name === 'InvalidStateError') return { code: 'ALREADY_REGISTERED', message: 'This device already holds a passkey for this account.' };
    if (e && e.name === 'SecurityError') return { code: 'SECURITY', message: 'This address may not use passkeys for Gatehouse (check rp-id and origins).' };
    return { code: 'BROWSER', message: (e && e.message) || 'The browser refused the passkey request.' };
  }

  const supported = () => typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;

  function unsupported(section, element) {
    section.append(element('p', { class: 'muted', text: 'This browser cannot use passkeys.' }));
  }

  function renderSignUp(g) {
    const { api, element, showError, afterSignIn } = g;
    const section = document.getElementById('passkey-signup');
    if (!section) return;
    section.append(element('h2', { text: 'With a passkey' }));
    if (!supported()) return unsupported(section, element);
    const error = element('p', { class: 'error', hidden: '' });
    const field = (label, name, type, autocomplete) => element('label', { text: label },
      element('input', { name, type, required: '', autocomplete, maxlength: name === 'email' ? '254' : '50' }));
    const form = element('form', { id: 'passkey-signup-form' },
      field('Email', 'email', 'email', 'email'), field('First name', 'firstName', 'text', 'given-name'),
      field('Last name', 'lastName', 'text', 'family-name'),
      element('button', { type: 'submit', text: 'Create account with a passkey' }), error);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      showError(error, null);
      const button = form.querySelector('button');
      button.disabled = true;
      try {
        const body = Object.fromEntries(new FormData(form));
        const options = await api('POST', '/api/v1/auth/register/passkey/options', body);
        if (!options.ok) return showError(error, options.error);
        let credential;
        try {
          credential = await navigator.credentials.create({ publicKey: creationOptions(options.data.options) });
        } catch (e) { return showError(error, browserError(e)); }
        const verified = await api('POST', '/api/v1/auth/register/passkey/verify',
          { userId: options.data.userId, response: credentialJson(credential) });
        if (!verified.ok) return showError(error, verified.error);
        afterSignIn();
      } finally { button.disabled = false; }
    });
    section.append(form);
  }

  function renderSignIn(g) {
    const { api, element, showError, afterSignIn } = g;
    const section = document.getElementById('passkey-signin');
    if (!section) return;
    section.append(element('h2', { text: 'With a passkey' }));
    if (!supported()) return unsupported(section, element);
    const error = element('p', { class: 'error', hidden: '' });
    const email = element('input', { id: 'passkey-email', name: 'email', type: 'email', maxlength: '254',
      autocomplete: 'username webauthn', placeholder: 'Email (optional)' });
    const button = element('button', { type: 'submit', text: 'Sign in with a passkey' });
    const form = element('form', { id: 'passkey-signin-form' }, element('label', { text: 'Email' }, email), button, error);
    section.append(form);
    let pending = null; // the autofill request waiting in the background

    async function signIn(address, mediation) {
      const options = await api('POST', '/api/v1/auth/login/passkey/options', address ? { email: address } : {});
      if (!options.ok) { showError(error, options.error); return; }
      const request = { publicKey: requestOptions(options.data.options) };
      if (mediation) {
        pending = new AbortController();
        request.mediation = mediation;
        request.signal = pending.signal;
      }
      let credential;
      try {
        credential = await navigator.credentials.get(request);
      } catch (e) {
        if (e && e.name === 'AbortError') return; // we stopped the autofill for the button
        showError(error, browserError(e));
        return;
      }
      if (!credential) return;
      const verified = await api('POST', '/api/v1/auth/login/passkey/verify',
        { loginToken: options.data.loginToken, response: credentialJson(credential) });
      if (!verified.ok) { showError(error, verified.error); return; }
      afterSignIn();
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      showError(error, null);
      // One WebAuthn request at a time: end the autofill one before asking explicitly.
      if (pending) { pending.abort(); pending = null; }
      button.disabled = true;
      try { await signIn(email.value.trim(), null); } finally { button.disabled = false; }
    });

    // Autofill: the browser offers this site's passkeys in the email field's suggestions.
    if (typeof PublicKeyCredential.isConditionalMediationAvailable === 'function') {
      PublicKeyCredential.isConditionalMediationAvailable().then((available) => {
        if (available) signIn('', 'conditional');
      }).catch(() => {});
    }
  }

  function renderAccount(g) {
    const { api, element, showError } = g;
    const section = document.getElementById('passkeys');
    if (!section) return;
    const error = element('p', { class: 'error', hidden: '' });
    const when = (time) => (time ? new Date(time).toLocaleString() : 'never');

    async function add(name) {
      showError(error, null);
      const options = await api('POST', '/api/v1/me/passkeys/options');
      if (!options.ok) return showError(error, options.error);
      let credential;
      try {
        credential = await navigator.credentials.create({ publicKey: creationOptions(options.data.options) });
      } catch (e) { return showError(error, browserError(e)); }
      const added = await api('POST', '/api/v1/me/passkeys/verify',
        { response: credentialJson(credential), name: name || undefined });
      if (!added.ok) return showError(error, added.error);
      render();
    }

    async function render() {
      const result = await api('GET', '/api/v1/me/passkeys');
      if (result.status === 401) return; // sessions.js sends the visitor to sign-in
      const rows = result.ok ? result.data.passkeys.map((p) => {
        const kind = p.deviceType === 'multiDevice' ? 'Synced passkey' : 'Single-device passkey';
        const remove = element('button', { class: 'secondary', text: 'Remove', 'data-action': 'remove', onclick: async () => {
          if (!confirm('Remove this passkey? You will not be able to sign in with it any more.')) return;
          const removed = await api('DELETE', '/api/v1/me/passkeys/' + encodeURIComponent(p.id));
          if (!removed.ok) showError(error, removed.error); else render();
        } });
        return element('tr', { 'data-passkey-id': p.id },
          element('td', { text: (p.name || kind) + (p.cloneSuspectedAt ? ' (blocked: may have been copied)' : '') }),
          element('td', { text: kind + (p.backedUp ? ', backed up' : ', not backed up') }),
          element('td', { text: 'Added ' + when(p.createdAt) }),
          element('td', { text: 'Last used ' + when(p.lastUsedAt) }), element('td', {}, remove));
      }) : [];
      const name = element('input', { id: 'passkey-name', name: 'name', maxlength: '64', placeholder: 'Name (optional)' });
      const addForm = element('form', { id: 'passkey-add-form' }, name,
        element('button', { type: 'submit', text: 'Add a passkey' }));
      addForm.addEventListener('submit', (event) => { event.preventDefault(); add(name.value.trim()); });
      section.replaceChildren(element('h2', { text: 'Passkeys' }),
        rows.length ? element('table', { id: 'passkey-list' }, ...rows)
          : element('p', { class: 'muted', id: 'passkey-list', text: 'No passkeys yet.' }),
        supported() ? addForm : element('p', { class: 'muted', text: 'This browser cannot add passkeys.' }), error);
      if (!result.ok) showError(error, result.error);
    }
    render();
  }

  document.addEventListener('DOMContentLoaded', () => {
    const g = window.gatehouse;
    const page = document.body.dataset.page;
    if (page === 'signup') renderSignUp(g);
    else if (page === 'signin') renderSignIn(g);
    else if (page === 'account') renderAccount(g);
  });
})();
