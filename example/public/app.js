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
  /** The token behind an "e-mail already in use" question, kept only until it is answered. */
  var pendingToken = null;
  /** The last access token the server accepted, for the Stateless API card; never shown, never stored. */
  var accessToken = null;

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

  function render(account) {
    show($('signed-out'), !account);
    show($('signed-in'), !!account);
    if (!account) return;
    $('account-name').textContent = account.name;
    var details = [];
    if (account.username) details.push('local username ' + account.username);
    if (account.email) details.push(account.email);
    $('account-details').textContent = details.join(' · ');
    var list = $('linked');
    list.textContent = '';
    account.amazon.forEach(function (link) {
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
      list.appendChild(li);
    });
    show($('no-links'), account.amazon.length === 0);
    $('amazon-link').textContent = account.amazon.length ? 'Link another Amazon account' : 'Link an Amazon account';
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

  /** Hands the access token to the server: only over HTTPS against real Amazon (loopback excepted). */
  async function sendToken(token, createAccount) {
    var loopback = /^(localhost|127\.0\.0\.1|\[::1\])$/.test(location.hostname);
    if (config.mode === 'amazon' && location.protocol !== 'https:' && !loopback) {
      return say('Not sending the access token over plain HTTP: serve this page over HTTPS.', true);
    }
    var body = { access_token: token };
    if (createAccount) body.createAccount = true;
    var r = await call('POST', '/auth/amazon', body);
    if (r.ok) {
      setToken(token);
      say(OUTCOMES[r.data.outcome](r.data.account), false);
      return render(r.data.account);
    }
    if (r.status === 409 && r.data && r.data.error === 'email_in_use') {
      pendingToken = token;
      $('confirm-text').textContent = r.data.message;
      return show($('confirm'), true);
    }
    say((r.data && r.data.message) || 'Signing in with Amazon failed (HTTP ' + r.status + ').', true);
  }

  /** Keeps (or forgets, with null) the token the Stateless API card sends. */
  function setToken(token) {
    accessToken = token;
    $('try-api').disabled = !token;
    show($('try-api-hint'), !token);
    if (!token) show($('api-result'), false);
  }

  /** The Stateless API card: GET /api/me with the token alone, no cookie; shows the JSON answer. */
  async function tryApi() {
    var res = await fetch('/api/me', {
      credentials: 'omit',
      headers: { Authorization: 'Bearer ' + accessToken },
    });
    var text = await res.text();
    try {
      text = JSON.stringify(JSON.parse(text), null, 2);
    } catch (e) {
      // not JSON: shown as it came
    }
    var out = $('api-result');
    out.textContent = 'HTTP ' + res.status + '\n' + text;
    show(out, true);
  }

  async function unlink(link) {
    quiet();
    var r = await call('POST', '/auth/amazon/unlink', { userID: link.userID });
    if (!r.ok) return say((r.data && r.data.message) || 'Unlinking failed (HTTP ' + r.status + ').', true);
    say('Unlinked the Amazon account of ' + (link.name || link.userID) + '.', false);
    render(r.data.account);
  }

  /** The Login with Amazon part: the same calls against Amazon's SDK and the emulator's. */
  function amazonSignIn(linking) {
    quiet();
    var options = { scope: 'profile', pkce: true };
    // To link another Amazon account, the customer must be able to pick one, not reuse the current one.
    if (linking) options.interactive = 'always';
    amazon.Login.authorize(options, function (response) {
      if (response.error) {
        return say(
          response.error === 'access_denied'
            ? 'Sign-in with Amazon was cancelled.'
            : 'Login with Amazon: ' + response.error,
          true,
        );
      }
      amazon.Login.retrieveToken(response.code, function (token) {
        if (!token || token.error || !token.access_token) {
          return say('Login with Amazon: ' + ((token && token.error) || 'no access token'), true);
        }
        sendToken(token.access_token, false);
      });
    });
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
    var r = await call('POST', path, body);
    if (!r.ok) return say((r.data && r.data.message) || 'HTTP ' + r.status, true);
    form.reset();
    say(LOCAL_OUTCOMES[path](r.data.account), false);
    render(r.data.account);
  }

  function loadSdk() {
    window.onAmazonLoginReady = function () {
      amazon.Login.setClientId(config.clientID);
      $('amazon-sign-in').disabled = false;
      $('amazon-link').disabled = false;
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

  async function start() {
    config = (await call('GET', '/config.json')).data;
    $('mode').textContent =
      config.mode === 'emulator'
        ? 'Offline: Login with Amazon is played by the emulator (no Amazon account, no network).'
        : 'Live: Login with Amazon, client ' + config.clientID + '.';
    show($('app-route-note'), config.appRoute);
    loadSdk();

    $('amazon-sign-in').addEventListener('click', function () {
      amazonSignIn(false);
    });
    $('amazon-link').addEventListener('click', function () {
      amazonSignIn(true);
    });
    $('local-signin').addEventListener('submit', function (e) {
      localForm(e, '/auth/local/signin');
    });
    $('local-signup').addEventListener('submit', function (e) {
      localForm(e, '/auth/local/signup');
    });
    $('sign-out').addEventListener('click', async function () {
      quiet();
      var r = await call('POST', '/auth/signout');
      if (!r.ok) return say('Signing out failed (HTTP ' + r.status + ').', true);
      if (window.amazon && amazon.Login) amazon.Login.logout();
      setToken(null);
      render(null);
      say('You are signed out.', false);
    });
    $('try-api').addEventListener('click', function () {
      tryApi().catch(function (err) {
        say('The API call failed: ' + err, true);
      });
    });
    $('confirm-create').addEventListener('click', function () {
      var token = pendingToken;
      pendingToken = null;
      show($('confirm'), false);
      if (token) sendToken(token, true);
    });
    $('confirm-cancel').addEventListener('click', function () {
      pendingToken = null;
      show($('confirm'), false);
    });
    await refresh();
  }

  start().catch(function (err) {
    say('The page could not start: ' + err, true);
  });
})();
