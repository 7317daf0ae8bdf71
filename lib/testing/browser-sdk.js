/*
 * Login with Amazon SDK stand-in, served by passport-lwa-token's LWA emulator at /sdk/na/login1.js
 * (where Amazon serves login1.js, its SDK for JavaScript). Not Amazon's SDK.
 *
 * `amazon.Login.setClientId`, `getClientId`, `authorize(options, callback)` in popup mode with
 * `pkce: true`, `retrieveToken(code, callback)` and `logout`; it calls `window.onAmazonLoginReady`
 * once loaded, as the SDK does. The emulator is the origin this script was loaded from.
 */
(function () {
  'use strict';

  // The emulator's sign-in paths (lib/testing/constants.ts, SIGN_IN_PATHS).
  var PATHS = { authorize: '/ap/oa', handoff: '/ap/handoff', token: '/auth/o2/token', sdk: '/sdk/na/login1.js' };
  var KEY = 'lwa-emulator.pkce';
  var script = document.currentScript || document.querySelector('script[src$="' + PATHS.sdk + '"]');
  if (!script || !script.src) throw new Error('LWA emulator SDK: load it with <script src="…' + PATHS.sdk + '">');
  var BASE = new URL(script.src, location.href).origin;
  var clientID = null;

  function later(fn, arg) {
    setTimeout(function () {
      fn(arg);
    }, 0);
  }

  function base64url(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function randomString(bytes) {
    var a = new Uint8Array(bytes);
    crypto.getRandomValues(a);
    return base64url(a);
  }

  /** RFC 7636: S256 where Web Crypto is available (secure contexts), plain otherwise. */
  function challenge(verifier) {
    if (!window.crypto || !crypto.subtle) return Promise.resolve({ value: verifier, method: 'plain' });
    return crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)).then(function (d) {
      return { value: base64url(new Uint8Array(d)), method: 'S256' };
    });
  }

  function refuse(next, error, description) {
    later(next, { status: 'error', error: error, error_description: description });
  }

  function authorize(options, next) {
    options = options || {};
    if (typeof next !== 'function') throw new Error('LWA emulator SDK: pass a callback as next (popup mode only)');
    if (!clientID) return refuse(next, 'invalid_request', 'Call amazon.Login.setClientId first.');
    if (options.popup === false || !options.pkce) {
      return refuse(next, 'invalid_request', 'The emulator implements authorize with popup: true and pkce: true.');
    }
    // Opened now, while the click still counts as a user gesture; navigated once the challenge is ready.
    var popup = window.open('', 'lwa-emulator', 'width=480,height=640');
    if (!popup) return refuse(next, 'popup_blocked', 'The sign-in window was blocked.');
    var state = typeof options.state === 'string' ? options.state : randomString(16);
    var verifier = randomString(32);
    var scope = Array.isArray(options.scope) ? options.scope.join(' ') : String(options.scope || 'profile');
    var redirectUri = BASE + PATHS.handoff + '?origin=' + encodeURIComponent(location.origin);
    var finished = false;
    var watch = null;

    function finish(answer) {
      if (finished) return;
      finished = true;
      window.removeEventListener('message', onMessage);
      clearInterval(watch);
      next(answer);
    }

    function onMessage(event) {
      var d = event.data;
      if (event.origin !== BASE || !d || d.source !== 'lwa-emulator' || d.state !== state) return;
      popup.close();
      if (d.error) {
        return finish({ status: 'complete', error: d.error, error_description: d.error_description, state: d.state });
      }
      finish({ status: 'complete', code: d.code, scope: d.scope, state: d.state });
    }

    window.addEventListener('message', onMessage);
    // The customer may close the window instead of answering.
    watch = setInterval(function () {
      if (popup.closed) {
        finish({ status: 'complete', error: 'access_denied', error_description: 'The sign-in window was closed.' });
      }
    }, 300);
    challenge(verifier).then(function (c) {
      sessionStorage.setItem(KEY, JSON.stringify({ verifier: verifier, redirectUri: redirectUri, clientID: clientID }));
      var q = new URLSearchParams({
        client_id: clientID,
        response_type: 'code',
        scope: scope,
        state: state,
        redirect_uri: redirectUri,
        code_challenge: c.value,
        code_challenge_method: c.method,
      });
      popup.location.href = BASE + PATHS.authorize + '?' + q.toString();
    });
    return { status: 'queued' };
  }

  function retrieveToken(code, next) {
    var saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    } catch (e) {
      saved = null;
    }
    sessionStorage.removeItem(KEY);
    if (!saved) {
      return later(next, {
        error: 'invalid_request',
        error_description: 'Call authorize with pkce: true first, in this tab.',
      });
    }
    var body = new URLSearchParams({
      grant_type: 'authorization_code',
      code: String(code),
      client_id: saved.clientID,
      redirect_uri: saved.redirectUri,
      code_verifier: saved.verifier,
    });
    fetch(BASE + PATHS.token, { method: 'POST', body: body, credentials: 'omit' })
      .then(function (r) {
        return r.json();
      })
      .then(next, function (e) {
        next({ error: 'network_error', error_description: String(e) });
      });
  }

  window.amazon = window.amazon || {};
  window.amazon.Login = {
    setClientId: function (id) {
      clientID = String(id);
    },
    getClientId: function () {
      return clientID;
    },
    authorize: authorize,
    retrieveToken: retrieveToken,
    logout: function () {
      sessionStorage.removeItem(KEY);
    },
  };
  if (typeof window.onAmazonLoginReady === 'function') window.onAmazonLoginReady();
})();
