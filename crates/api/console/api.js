// Calls to the hiring API: the bearer token, and every failure turned into plain words.

const TOKEN_KEY = 'hiring.apiToken';

/** The token of this tab, or ''. */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Keeps `value` for this tab; an empty value forgets the token. */
export function setToken(value) {
  if (value) {
    sessionStorage.setItem(TOKEN_KEY, value);
  } else {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

/** The event sent (on `window`) when the server refuses a call for the token's role (403). */
export const FORBIDDEN_EVENT = 'hiring:forbidden';

/** "an admin token", "a read token". */
export function tokenOf(role) {
  return `${/^[aeiou]/i.test(role) ? 'an' : 'a'} ${role} token`;
}

/** A failed call, with a message meant for a person. */
export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/**
 * Sends a request and answers the response when its status is 2xx; otherwise throws an ApiError
 * saying what went wrong.
 */
export async function call(method, path, { body, type, accept } = {}) {
  const headers = {};
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (type) headers['Content-Type'] = type;
  if (accept) headers.Accept = accept;
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: 'no-store' });
  } catch {
    throw new ApiError(
      'The server could not be reached. Check that it is running and your network, then try again.',
      0,
    );
  }
  if (!response.ok) throw await failure(response);
  return response;
}

/** Like `call`, answering the JSON body. */
export async function callJson(method, path, options) {
  const response = await call(method, path, options);
  try {
    return await response.json();
  } catch {
    throw new ApiError('The server sent an answer that could not be read.', response.status);
  }
}

/**
 * Like `callJson`, sending `body` with XMLHttpRequest (fetch tells nothing of an upload's
 * progress): `progress(sent, total)` is told as the body goes, and once more when it is all sent.
 */
export function sendJson(method, path, { body, type, progress = () => {} }) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, path);
    const bearer = token();
    if (bearer) request.setRequestHeader('Authorization', `Bearer ${bearer}`);
    if (type) request.setRequestHeader('Content-Type', type);
    const size = body?.size ?? 0;
    request.upload.onprogress = (event) => progress(event.loaded, event.lengthComputable ? event.total : size);
    request.upload.onload = () => progress(size, size);
    request.onerror = () => reject(new ApiError(
      'The server could not be reached. Check that it is running and your network, then try again.',
      0,
    ));
    request.onload = async () => {
      if (request.status < 200 || request.status > 299) {
        const headers = { 'Content-Type': request.getResponseHeader('Content-Type') ?? '' };
        const answer = new Response(request.responseText, {
          status: request.status, statusText: request.statusText, headers,
        });
        reject(await failure(answer));
        return;
      }
      progress(size, size);
      try {
        resolve(JSON.parse(request.responseText));
      } catch {
        reject(new ApiError('The server sent an answer that could not be read.', request.status));
      }
    };
    request.send(body);
  });
}

/** The error of a non-2xx answer: its problem's title and detail, in plain words. */
async function failure(response) {
  let problem = {};
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      problem = (await response.json()) ?? {};
    } catch {
      // No readable problem: the status says enough.
    }
  }
  const title = typeof problem.title === 'string' ? problem.title : '';
  const detail = typeof problem.detail === 'string' ? problem.detail : '';
  if (response.status === 401) {
    const why = detail || 'this needs a valid API token';
    const what = token()
      ? 'The API token was refused'
      : 'No API token has been entered';
    return new ApiError(`${what} (${why}). Enter a valid token under "API token".`, 401);
  }
  if (response.status === 403) {
    window.dispatchEvent(new Event(FORBIDDEN_EVENT));
    const { token: name, role, needed } = problem;
    if (typeof role === 'string' && typeof needed === 'string') {
      const whose = typeof name === 'string' ? `the token "${name}"` : 'the token entered';
      return new ApiError(
        `Not allowed: this needs ${tokenOf(needed)}, and ${whose} has the ${role} role. `
          + `Enter ${tokenOf(needed)} under "API token" to do this.`,
        403,
      );
    }
  }
  const what = title || response.statusText || 'The request failed';
  const text = detail
    ? `${what}: ${sentence(detail)}`
    : `${what} (the server answered ${response.status}).`;
  return new ApiError(text, response.status);
}

function sentence(text) {
  const trimmed = text.trim();
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
