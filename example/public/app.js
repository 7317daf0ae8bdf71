/*
 * The example page. Against Amazon it loads Amazon's Login with Amazon SDK; offline, the emulator's
 * stand-in for it. Either way: authorize (popup, PKCE) -> retrieveToken(code) -> POST the access
 * token to the server, which checks it with Amazon and signs in, creates or links the account.
 */
(function () {
  'use strict';

  var $ = function (id) {
    return document.getElementById(id);
  };
  var config = null;
  var sdkReady = false;
  /** A call to the server (and so to Amazon) is under way: every button waits. */
  var busyNow = false;
  /** The account signed in, or null. */
  var account = null;
  /** The token behind an "e-mail already in use" question, kept only until it is answered. */
  var pendingToken = null;
  /**
   * The last access token the server accepted, for the Stateless API card; never shown, never
   * stored. `userID` is its Amazon customer, `expiresAt` when Amazon said it expires (epoch ms).
   */
  var held = null;

  function show(el, visible) {
    el.hidden = !visible;
  }

  function say(text, isError) {
    var el = $('message');
    el.textContent = text;
    el.className = isError ? 'error' : '';
    el.setAttribute('role', isError ? 'alert' : 'status');
    show(el, true);
  }

  function quiet() {
    show($('message'), false);
  }

  async function call(method, path, body) {
    var init = { method: method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var res = await fetch(path, init);
    var data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    return { status: res.status, ok: res.ok, data: data };
  }

  /** Every button's state, from what the page knows: busy, the SDK loaded, a token held. */
  function controls() {
    document.querySelectorAll('main button').forEach(function (button) {
      var usable = button.classList.contains('amazon') ? sdkReady : 'needsToken' in button.dataset ? !!held : true;
      button.disabled = busyNow || !usable;
    });
    document.querySelector('main').setAttribute('aria-busy', busyNow ? 'true' : 'false');
  }

  /** Runs `work` with the buttons disabled and `label` shown, so that a slow Amazon is visible. */
  async function busy(label, work) {
    if (busyNow) return;
    busyNow = true;
    $('progress').textContent = label;
    show($('progress'), true);
    controls();
    try {
      return await work();
    } finally {
      busyNow = false;
      show($('progress'), false);
      controls();
    }
  }

  function render(next) {
    account = next;
    show($('signed-out'), !account);
    show($('signed-in'), !!account);
    // What the API said was about the account as it was: gone with any change.
    show($('api-result'), false);
    if (account) {
      $('account-name').textContent = account.name;
      var details = [];
      if (account.username) details.push('local username ' + account.username);
      if (account.email) details.push(account.email);
      $('account-details').textContent = details.join(' · ');
      var list = $('linked');
      list.textContent = '';
      account.amazon.forEach(function (link) {
        list.appendChild(linkItem(link));
      });
      show($('no-links'), account.amazon.length === 0);
      $('amazon-link').textContent = account.amazon.length ? 'Link another Amazon account' : 'Link an Amazon account';
    }
    tokenCard();
  }

  function linkItem(link) {
    var li = document.createElement('li');
    li.textContent = (link.name || 'Amazon customer') + (link.email ? ' <' + link.email + '> ' : ' ');
    var id = document.createElement('span');
    id.className = 'id';
    id.textContent = link.userID;
    li.appendChild(id);
    var unlinkButton = document.createElement('button');
    unlinkButton.type = 'button';
    unlinkButton.className = 'plain small unlink';
    unlinkButton.textContent = 'Unlink';
    unlinkButton.setAttribute('aria-label', 'Unlink the Amazon account of ' + (link.name || link.userID));
    unlinkButton.addEventListener('click', function () {
      unlink(link);
    });
    li.appendChild(unlinkButton);
    return li;
  }

  /** The Stateless API card: the buttons, what the token has left, and, without one, how to get one. */
  function tokenCard() {
    var hint = '';
    if (!held) {
      if (!account) hint = 'Sign in with Amazon above first: the page keeps the token it gets, in memory only.';
      else if (!account.amazon.length)
        hint = 'Link an Amazon account above first: this API takes an Amazon token, not the session.';
      else
        hint =
          'The page keeps its token in memory only, so a reload forgets it: press “Link another Amazon account” ' +
          'and choose one already linked to get a new one.';
    }
    $('try-api-hint').textContent = hint;
    show($('try-api-hint'), !held);
    lifetime();
    controls();
  }

  function lifetime() {
    var el = $('token-life');
    show(el, !!held);
    if (!held) return;
    var left = Math.max(0, Math.round((held.expiresAt - Date.now()) / 1000));
    el.textContent =
      left > 0
        ? 'The page’s token is good for ' + Math.floor(left / 60) + ' min ' + (left % 60) + ' s more.'
        : 'The page’s token has expired: the next call signs in with Amazon again.';
  }

  /** Keeps (or forgets, with null) the token the Stateless API card sends, and what the server said of it. */
  function setToken(token, answer) {
    held = token
      ? { token: token, userID: answer.amazonUserId, expiresAt: Date.now() + answer.tokenExpiresIn * 1000 }
      : null;
    tokenCard();
  }

  async function refresh() {
    var r = await call('GET', '/api/session');
    render(r.ok && r.data ? r.data.account : null);
  }

  var OUTCOMES = {
    'signed-in': function (a) {
      return 'Welcome back, ' + a.name + '.';
    },
    created: function (a) {
      return 'Welcome, ' + a.name + '! A new account was created for your Amazon account.';
    },
    linked: function (a) {
      var link = a.amazon[a.amazon.length - 1];
      return 'Linked the Amazon account of ' + (link.name || link.userID) + ' to your account.';
    },
    'already-linked': function () {
      return 'That Amazon account was already linked to yours.';
    },
  };

  /** Hands the access token to the server: only over HTTPS against real Amazon (loopback excepted). Resolves whether it was taken. */
  async function sendToken(token, options) {
    options = options || {};
    var loopback = /^(localhost|127\.0\.0\.1|\[::1\])$/.test(location.hostname);
    if (config.mode === 'amazon' && location.protocol !== 'https:' && !loopback) {
      say('Not sending the access token over plain HTTP: serve this page over HTTPS.', true);
      return false;
    }
    var body = { access_token: token };
    if (options.createAccount) body.createAccount = true;
    var r = await busy('Checking the token with Login with Amazon…', function () {
      return call('POST', '/auth/amazon', body);
    });
    if (!r) return false;
    if (r.ok) {
      render(r.data.account);
      setToken(token, r.data);
      say(
        options.renewing
          ? 'Signed in with Amazon again: the page has a new token.'
          : OUTCOMES[r.data.outcome](r.data.account),
        false,
      );
      return true;
    }
    if (r.status === 409 && r.data && r.data.error === 'email_in_use') {
      pendingToken = token;
      $('confirm-text').textContent = r.data.message;
      show($('confirm'), true);
      return false;
    }
    say((r.data && r.data.message) || 'Signing in with Amazon failed (HTTP ' + r.status + ').', true);
    return false;
  }

  /** Sends `token` alone to `path` (no cookie); the status, the parsed body and the body as shown. */
  async function present(path, token) {
    var res = await fetch(path, { credentials: 'omit', headers: { Authorization: 'Bearer ' + token } });
    var text = await res.text();
    var data = null;
    try {
      data = JSON.parse(text);
      text = JSON.stringify(data, null, 2);
    } catch (e) {
      // not JSON: shown as it came
    }
    return { status: res.status, data: data, shown: 'GET ' + path + ' → HTTP ' + res.status + '\n' + text };
  }

  /**
   * The Stateless API card: `path` with the page's token. On a 401 invalid_token (expired, or
   * signed out) the page drops the token and signs in with Amazon again, then calls once more, as
   * docs/recipes.md tells a single-page app to.
   */
  async function tryApi(path, again) {
    var answer = await busy('Calling ' + path + ' (the server asks Login with Amazon)…', function () {
      return present(path, held.token);
    });
    if (answer === undefined) return;
    var out = $('api-result');
    out.textContent = answer.shown;
    show(out, true);
    if (answer.status === 200 && answer.data) held.expiresAt = Date.now() + answer.data.tokenExpiresIn * 1000;
    if (answer.status !== 401 || !answer.data || answer.data.error !== 'invalid_token' || again) return lifetime();
    setToken(null);
    say('Amazon no longer accepts the page’s token (401 invalid_token): signing in with Amazon again…', false);
    var token = await authorizeToken(account && account.amazon.length ? 'always' : 'auto');
    if (token.error) return say(token.error + ' Sign in with Amazon again to get a new token.', true);
    if (await sendToken(token.accessToken, { renewing: true })) await tryApi(path, true);
  }

  async function unlink(link) {
    quiet();
    var r = await busy('Unlinking…', function () {
      return call('POST', '/auth/amazon/unlink', { userID: link.userID });
    });
    if (!r) return;
    if (!r.ok) return say((r.data && r.data.message) || 'Unlinking failed (HTTP ' + r.status + ').', true);
    var message = 'Unlinked the Amazon account of ' + (link.name || link.userID) + '.';
    // The page's token is that customer's: it no longer stands for this account.
    if (held && held.userID === link.userID) {
      setToken(null);
      message += ' The page dropped its token, which was theirs.';
    }
    say(message, false);
    render(r.data.account);
  }

  /** Whether Login with Amazon (or the emulator) answers at all: a closed popup may have shown nothing else. */
  async function amazonReachable() {
    try {
      await fetch(config.sdkURL, { mode: 'no-cors', cache: 'no-store' });
      return true;
    } catch (e) {
      return false;
    }
  }

  /** Login with Amazon's popup and PKCE redemption: `{ accessToken }`, or `{ error }`, a sentence. */
  function authorizeToken(interactive) {
    return new Promise(function (resolve) {
      var options = { scope: 'profile', pkce: true, interactive: interactive };
      amazon.Login.authorize(options, function (response) {
        if (response.error) {
          if (response.error !== 'access_denied')
            return resolve({ error: 'Login with Amazon: ' + response.error + '.' });
          return amazonReachable().then(function (reachable) {
            resolve({
              error: reachable
                ? 'Sign-in with Amazon was cancelled.'
                : config.mode === 'emulator'
                  ? 'The Login with Amazon emulator is not answering (was npm run example stopped?), so the sign-in window could not load.'
                  : 'Login with Amazon could not be reached, so the sign-in window could not load. Check the connection and try again.',
            });
          });
        }
        amazon.Login.retrieveToken(response.code, function (token) {
          if (!token || token.error || !token.access_token) {
            return resolve({ error: 'Login with Amazon: ' + ((token && token.error) || 'no access token') + '.' });
          }
          resolve({ accessToken: token.access_token });
        });
      });
    });
  }

  /** Signing in or, `linking`, picking another Amazon account (the customer must be able to choose). */
  async function amazonSignIn(linking) {
    quiet();
    var token = await authorizeToken(linking ? 'always' : 'auto');
    if (token.error) return say(token.error, true);
    await sendToken(token.accessToken);
  }

  /** The "What the API refuses" card: a token (or a fault) from the emulator, presented to the API. */
  async function protect(kind) {
    quiet();
    // The last control's answer is not this one's.
    show($('protection-why'), false);
    show($('protection-result'), false);
    var result = await busy('Presenting the token to the API…', async function () {
      var r = await call('POST', '/demo/token', { kind: kind });
      if (!r.ok) return { error: (r.data && r.data.message) || 'HTTP ' + r.status };
      try {
        return { why: r.data.why, answer: await present(r.data.path, r.data.token) };
      } finally {
        await call('POST', '/demo/faults/clear', {});
      }
    });
    if (result === undefined) return;
    if (result.error) return say(result.error, true);
    $('protection-why').textContent = result.why;
    show($('protection-why'), true);
    $('protection-result').textContent = result.answer.shown;
    show($('protection-result'), true);
  }

  /** What the local forms say once they worked, as the Amazon sign-in does (OUTCOMES). */
  var LOCAL_OUTCOMES = {
    '/auth/local/signup': function (a) {
      return 'Welcome, ' + a.name + '! Your account ' + a.username + ' was created.';
    },
    '/auth/local/signin': OUTCOMES['signed-in'],
  };

  async function localForm(event, path) {
    event.preventDefault();
    quiet();
    var form = event.target;
    var body = {};
    new FormData(form).forEach(function (value, key) {
      body[key] = value;
    });
    var r = await busy('Signing in…', function () {
      return call('POST', path, body);
    });
    if (!r) return;
    if (!r.ok) return say((r.data && r.data.message) || 'HTTP ' + r.status, true);
    form.reset();
    say(LOCAL_OUTCOMES[path](r.data.account), false);
    render(r.data.account);
  }

  async function signOut() {
    quiet();
    // The server revokes the token too: from now on the API refuses it, although Amazon would not.
    var r = await busy('Signing out…', function () {
      return call('POST', '/auth/signout', held ? { access_token: held.token } : {});
    });
    if (!r) return;
    if (!r.ok) return say('Signing out failed (HTTP ' + r.status + ').', true);
    if (window.amazon && amazon.Login) amazon.Login.logout();
    setToken(null);
    render(null);
    say('You are signed out.', false);
  }

  function loadSdk() {
    window.onAmazonLoginReady = function () {
      amazon.Login.setClientId(config.clientID);
      sdkReady = true;
      controls();
    };
    var script = document.createElement('script');
    script.async = true;
    script.id = 'amazon-login-sdk';
    script.src = config.sdkURL;
    script.onerror = function () {
      say('The Login with Amazon SDK did not load from ' + config.sdkURL + '.', true);
    };
    $('amazon-root').appendChild(script);
  }

  function on(id, event, handler) {
    $(id).addEventListener(event, function (e) {
      Promise.resolve(handler(e)).catch(function (err) {
        say('Something failed: ' + err + '.', true);
      });
    });
  }

  async function start() {
    config = (await call('GET', '/config.json')).data;
    $('mode').textContent =
      config.mode === 'emulator'
        ? 'Offline: Login with Amazon is played by the emulator (no Amazon account, no network).'
        : 'Live: Login with Amazon, client ' + config.clientID + '.';
    show($('app-route-note'), config.appRoute);
    show($('try-app-api'), config.appRoute);
    show($('protections'), config.protections);
    loadSdk();

    on('amazon-sign-in', 'click', function () {
      return amazonSignIn(false);
    });
    on('amazon-link', 'click', function () {
      return amazonSignIn(true);
    });
    ['local-signin', 'local-signup'].forEach(function (id) {
      on(id, 'submit', function (e) {
        return localForm(e, '/auth/local/' + id.slice('local-'.length));
      });
      // The browser's own bubble says what is wrong now: an older message would contradict it.
      $(id).addEventListener('invalid', quiet, true);
    });
    on('sign-out', 'click', signOut);
    on('try-api', 'click', function () {
      return tryApi('/api/me');
    });
    on('try-app-api', 'click', function () {
      return tryApi('/api/app/me');
    });
    document.querySelectorAll('#protections button').forEach(function (button) {
      button.addEventListener('click', function () {
        protect(button.dataset.kind);
      });
    });
    on('confirm-create', 'click', function () {
      var token = pendingToken;
      pendingToken = null;
      show($('confirm'), false);
      if (token) return sendToken(token, { createAccount: true });
    });
    on('confirm-cancel', 'click', function () {
      pendingToken = null;
      show($('confirm'), false);
    });
    setInterval(lifetime, 1000);
    await refresh();
  }

  start().catch(function (err) {
    say('The page could not start: ' + err, true);
  });
})();
