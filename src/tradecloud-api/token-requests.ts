import { describeUrl, TradecloudApiError } from './tradecloud-api.error';
import { TradecloudHttp } from './tradecloud-http';
import { TradecloudTokens } from './token-session';

/** `GET /authentication/login` with the integration user's Basic credentials. */
export function requestLogin(http: TradecloudHttp, url: URL, username: string, password: string): Promise<TradecloudTokens> {
  const basic = Buffer.from(`${username}:${password}`).toString('base64');
  return requestTokens(http, 'auth.login', url, { Authorization: `Basic ${basic}` });
}

/** `GET /authentication/refresh`. Only the Refresh-Token header: Tradecloud refuses a refresh that also carries Authorization. */
export function requestRefresh(http: TradecloudHttp, url: URL, refreshToken: string): Promise<TradecloudTokens> {
  return requestTokens(http, 'auth.refresh', url, { 'Refresh-Token': refreshToken });
}

/** One token call (not retried here: the token session's caller retries). The tokens come back in response headers. */
async function requestTokens(
  http: TradecloudHttp,
  endpoint: 'auth.login' | 'auth.refresh',
  url: URL,
  headers: Record<string, string>,
): Promise<TradecloudTokens> {
  const response = await http.send<string>({ endpoint, url, headers, responseType: 'text', rateLimited: true, attempt: 1 });
  if ((response.status === 401 || response.status === 403) && endpoint === 'auth.login') {
    throw new TradecloudApiError(
      `Tradecloud auth.login: login refused (HTTP ${response.status}); check tradecloudApi.username and password of the integration user`,
      { endpoint, status: response.status, code: 'unauthorized', transient: false },
    );
  }
  if (response.status < 200 || response.status >= 300) throw http.statusError(endpoint, response, `GET ${describeUrl(url)}`);
  const accessToken = response.headers['set-authorization'];
  const refreshToken = response.headers['set-refresh-token'];
  if (typeof accessToken !== 'string' || !accessToken || typeof refreshToken !== 'string' || !refreshToken) {
    throw new TradecloudApiError(`Tradecloud ${endpoint}: the answer has no Set-Authorization / Set-Refresh-Token headers`, {
      endpoint,
      code: 'invalid_response',
      transient: true,
    });
  }
  return { accessToken: accessToken.replace(/^Bearer\s+/i, ''), refreshToken };
}
