// Shared by every hosted page: JSON calls to the API with the session cookie, error display
// and the page-to-page navigation. Feature scripts (totp.js, passkeys.js, social.js, …) render
// into their own <section> and use only what is exported on window.gatehouse.
'use strict';
(function () {
  async function api(method, path, body, options = {}) {
    const init = { method, credentials: 'same-origin', headers: {} };
    if (body instanceof Blob || body instanceof ArrayBuffer) {
      init.body = body;
      init.headers['Content-Type'] = options.contentType || 'application/octet-stream';
    } else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      return { ok: false, status: 0, error: { code: 'NETWORK', message: 'Gatehouse cannot be reached' } };
    }
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (e) { data = null; }
    }
    if (response.ok) return { ok: true, status: response.status, data };
    const error = (data && data.error) || { code: 'HTTP_' + response.status, message: response.statusText };
    return { ok: false, status: response.status, error };
  }

  function element(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function showError(target, error) {
    target.textContent = error ? (error.message || error.code) : '';
    target.hidden = !error;
  }

  // Where to go after signing in: ?returnTo= when it is on this origin, else the account page.
  function afterSignIn() {
    const returnTo = new URLSearchParams(location.search).get('returnTo');
    if (returnTo) {
      try {
        const url = new URL(returnTo, location.origin);
        if (url.origin === location.origin) { location.assign(url.href); return; }
      } catch (e) { /* fall through */ }
    }
    location.assign('/ui/account.html');
  }

  async function signOut() {
    await api('POST', '/api/v1/auth/logout');
    location.assign('/ui/');
  }

  window.gatehouse = { api, element, showError, afterSignIn, signOut };
})();
