/**
 * The emulator's HTML: the sign-in page (a customer picker standing in for Amazon's sign-in and
 * consent screens), its error page, the popup's handoff page and the index at `/`. Pure functions
 * of their input; the flow (oauth-flow.ts) and the server (emulator.ts) send them.
 */
import { PROFILE_PATH, SIGN_IN_PATHS, TOKENINFO_PATH } from './constants';
import type { SignInCustomer } from './customers';
import type { AuthorizeRequest } from './oauth-flow';

const TITLE = 'Login with Amazon (emulator)';

const STYLE = `body{font:16px/1.4 system-ui,sans-serif;margin:0;background:#f3f3f3;color:#111}
main{max-width:420px;margin:32px auto;background:#fff;border:1px solid #ddd;border-radius:8px;padding:20px 24px}
main.wide{max-width:720px}h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:20px 0 4px}
.note{color:#555;font-size:14px;margin:0 0 16px}dd{margin:2px 0 12px 16px;color:#333}
button{display:block;width:100%;text-align:left;font:inherit;padding:10px 12px;margin:0 0 8px;border:1px solid #a88734;border-radius:4px;background:#f7dfa5;cursor:pointer}
button small{display:block;color:#444}button.cancel{background:#eee;border-color:#bbb;text-align:center}code{font-size:13px;word-break:break-all}`;

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string, mainClass = ''): string {
  const main = mainClass === '' ? '<main>' : `<main class="${mainClass}">`;
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${main}${body}</main></body></html>\n`;
}

/** GET /ap/oa: the customers to pick from, and Cancel; each button posts the request back with a decision. */
export function pickerPage(request: AuthorizeRequest, customers: readonly SignInCustomer[]): string {
  const hidden = [
    ['client_id', request.clientID],
    ['redirect_uri', request.redirectUri],
    ['response_type', 'code'],
    ['scope', request.scopes.join(' ')],
    ['code_challenge', request.challenge],
    ['code_challenge_method', request.method],
    ...(request.state === undefined ? [] : [['state', request.state]]),
  ]
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('');
  const buttons = customers
    .map(
      (c) =>
        `<button type="submit" name="customer" value="${escapeHtml(c.userID)}">${escapeHtml(c.name)}<small>${escapeHtml(c.email)}</small></button>`,
    )
    .join('\n');
  return page(
    TITLE,
    `<h1>Login with Amazon <small>(emulator)</small></h1>
<p class="note">Choose the Amazon customer to sign in as. <code>${escapeHtml(request.clientID)}</code> asks for: ${escapeHtml(request.scopes.join(', '))}.</p>
<form method="post" action="${SIGN_IN_PATHS.authorize}">${hidden}<input type="hidden" name="decision" value="allow">
${buttons}
</form>
<form method="post" action="${SIGN_IN_PATHS.authorize}">${hidden}<input type="hidden" name="decision" value="deny">
<button type="submit" class="cancel">Cancel</button></form>`,
  );
}

/** A refused sign-in request that cannot be redirected back (bad client or redirect URI). */
export function errorPage(message: string): string {
  return page(`${TITLE}: error`, `<h1>Sign-in request refused</h1><p>${escapeHtml(message)}</p>`);
}

/**
 * Where the popup lands (its `redirect_uri`): passes the answer in the query to the page that opened
 * it, restricted to the origin named in its own `origin` parameter. The opener closes the popup once
 * it has the answer, so a closed popup without an answer reliably means "cancelled".
 */
export const HANDOFF_PAGE = page(
  TITLE,
  `<p id="status">Signing you in…</p>
<script>
(function () {
  var p = new URLSearchParams(location.search);
  var data = { source: 'lwa-emulator', code: p.get('code'), scope: p.get('scope'), state: p.get('state'),
    error: p.get('error'), error_description: p.get('error_description') };
  try {
    if (!window.opener) throw new Error('no opener');
    window.opener.postMessage(data, p.get('origin') || 'null');
  } catch (e) {
    /* no opener, or a bad origin: nothing to hand the answer to */
  }
  document.getElementById('status').textContent = 'Sign-in finished. You can close this window.';
})();
</script>`,
);

/** One line of the index: what to send where, and what it is for. */
function entry(usage: string, description: string, link?: string): string {
  const code = `<code>${escapeHtml(usage)}</code>`;
  return `<dt>${link === undefined ? code : `<a href="${escapeHtml(link)}">${code}</a>`}</dt><dd>${description}</dd>`;
}

/**
 * GET /: what the emulator serves, for whoever opens its URL in a browser (the example prints it).
 * `customers` is `undefined` when the sign-in flow is off.
 */
export function indexPage(customers: readonly SignInCustomer[] | undefined): string {
  const signIn =
    customers === undefined
      ? `<p>Off. Start the emulator with the <code>customers</code> option to serve the sign-in page, the
token endpoint and the SDK stand-in.</p>`
      : `<p class="note">The sign-in page offers ${customers.map((c) => escapeHtml(c.name)).join(', ')}.</p><dl>
${entry(`GET ${SIGN_IN_PATHS.sdk}`, "A stand-in for Amazon's Login with Amazon SDK for JavaScript: <code>amazon.Login.authorize</code> (popup, PKCE) and <code>retrieveToken</code> drive the paths below.", SIGN_IN_PATHS.sdk)}
${entry(`GET ${SIGN_IN_PATHS.authorize}?client_id=…&response_type=code&scope=…&redirect_uri=…&code_challenge=…`, 'The sign-in page: pick a customer (or cancel); redirects to <code>redirect_uri</code> with a code.')}
${entry(`POST ${SIGN_IN_PATHS.token}`, 'Authorization code + PKCE <code>code_verifier</code> → access token.')}
${entry(`GET ${SIGN_IN_PATHS.handoff}`, 'Where the sign-in popup lands: it hands the answer to the page that opened it.')}
</dl>`;
  return page(
    TITLE,
    `<h1>Login with Amazon <small>(emulator)</small></h1>
<p class="note">passport-lwa-token's stand-in for Amazon's Login with Amazon endpoints, for tests and examples. Not Amazon.</p>
<h2>Token checks</h2>
<dl>
${entry(`GET ${TOKENINFO_PATH}?access_token=…`, 'Who the token belongs to (<code>user_id</code>) and which client it was issued to (<code>aud</code>).')}
${entry(`GET ${PROFILE_PATH}`, "With <code>Authorization: Bearer …</code>: the customer profile the token's scopes grant.")}
</dl>
<h2>Browser sign-in</h2>
${signIn}`,
    'wide',
  );
}
