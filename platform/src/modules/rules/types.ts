import type { components } from '@aerostack/spec/types';

export type Rules = components['schemas']['Rules'];
export type RulesUpdate = components['schemas']['RulesUpdate'];
export type RuleAccess = components['schemas']['RuleAccess'];
export type ChannelRule = components['schemas']['ChannelRule'];
export type StatementRule = components['schemas']['StatementRule'];
export type TableRule = components['schemas']['TableRule'];

export type ChannelAction = 'subscribe' | 'publish' | 'presence';

/** An answer of the rules: `reason` is a sentence fit for a 403's detail. */
export interface Decision {
  allowed: boolean;
  reason: string;
}

/** The parameter the platform binds to the caller's user id; callers may never supply it. */
export const USER_ID_PARAM = 'auth_user_id';

/** The rules of a project that never saved any: end users may do nothing. */
export function emptyRules(): Rules {
  return { version: 0, updatedAt: null, channels: [], statements: [], tables: [], learning: false };
}
