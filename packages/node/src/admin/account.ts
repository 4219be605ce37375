import { type Account, type Http, pickRequestOptions, type RequestOptions } from '@aerostack/core';

/**
 * The account the account key belongs to.
 *
 * @example
 * const { id, name } = await admin.account.get();
 */
export interface AccountApi {
  /** Gets the account. */
  get(options?: RequestOptions): Promise<Account>;
}

export function createAccountApi(http: Http): AccountApi {
  return {
    get: (options) => http.GET('/v1/account', pickRequestOptions(options)),
  };
}
