import type { Principal } from '../../http/auth/principal.js';
import {
  type ChannelAction,
  type ChannelRule,
  type Decision,
  type RuleAccess,
  type Rules,
  type RulesUpdate,
  USER_ID_PARAM,
} from './types.js';

// What end users may do, decided from a project's rules alone (no I/O): the service loads the
// rules, these functions answer. Deny by default; the secret key is never restricted.

const ALLOW: Decision = { allowed: true, reason: 'allowed' };
const deny = (reason: string): Decision => ({ allowed: false, reason });

/** The caller's user id when signed in as an end user, else null. */
function userOf(principal: Principal): string | null {
  return principal.scheme === 'userSession' ? (principal.userId ?? null) : null;
}

export function isUnrestricted(principal: Principal): boolean {
  return principal.scheme === 'secretKey';
}

/** Whether `access` admits the caller, `owned` saying whether the target is the caller's own. */
function admits(access: RuleAccess, principal: Principal, owned: boolean): boolean {
  switch (access) {
    case 'public':
      return principal.scheme === 'publishableKey' || principal.scheme === 'userSession';
    case 'authenticated':
      return userOf(principal) !== null;
    case 'owner':
      return userOf(principal) !== null && owned;
    default:
      return false;
  }
}

const SEGMENT = /^[A-Za-z0-9_.-]+$/;
const USER_SEGMENT = '{userId}';

/** Whether `channel` matches `pattern`, and whether it did so through the caller's `{userId}`. */
export function matchChannel(
  pattern: string,
  channel: string,
  userId: string | null,
): { matched: boolean; owned: boolean } {
  const want = pattern.split('/');
  const have = channel.split('/');
  let owned = false;
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    if (part === '**') return { matched: i < have.length, owned };
    if (i >= have.length) return { matched: false, owned };
    if (part === USER_SEGMENT) {
      // `{userId}` matches any id, so a rule can be found for another user's channel, but only
      // the owner's own id makes it theirs (the decision then says so instead of "no rule").
      owned = userId !== null && have[i] === userId;
      continue;
    }
    if (part !== '*' && part !== have[i]) return { matched: false, owned };
  }
  return { matched: want.length === have.length, owned };
}

export function decideChannel(
  rules: Rules,
  principal: Principal,
  channel: string,
  action: ChannelAction,
): Decision {
  if (isUnrestricted(principal)) return ALLOW;
  const userId = userOf(principal);
  for (const rule of rules.channels) {
    const { matched, owned } = matchChannel(rule.pattern, channel, userId);
    if (!matched) continue;
    const access = rule[action] ?? 'none';
    if (admits(access, principal, owned)) return ALLOW;
    return deny(
      access === 'owner'
        ? `Only its owner may ${action} on "${channel}" (rule "${rule.pattern}").`
        : access === 'authenticated'
          ? `Sign in to ${action} on "${channel}" (rule "${rule.pattern}").`
          : `The rule "${rule.pattern}" does not allow ${action} on "${channel}" to end users.`,
    );
  }
  return deny(`No rule allows ${action} on "${channel}".`);
}

/** The form statements are compared in: runs of whitespace collapsed, no final `;`. */
export function normalizeSql(sql: string): string {
  return sql.trim().replace(/\s+/g, ' ').replace(/\s*;$/, '');
}

const USER_ID_REFERENCE = new RegExp(`[:@$]${USER_ID_PARAM}\\b`);

/** Whether `sql` uses the reserved user-id parameter. */
export function usesUserId(sql: string): boolean {
  return USER_ID_REFERENCE.test(sql);
}

export function decideStatement(
  rules: Rules,
  principal: Principal,
  sql: string,
): Decision & { userIdParam: string | null; learn: boolean } {
  const userIdParam = usesUserId(sql) ? USER_ID_PARAM : null;
  if (isUnrestricted(principal)) return { ...ALLOW, userIdParam, learn: false };
  const text = normalizeSql(sql);
  const rule = rules.statements.find((s) => normalizeSql(s.sql) === text);
  if (!rule) {
    if (rules.learning) return { ...ALLOW, userIdParam, learn: true };
    return { ...deny('This statement is not on the rules’ allow-list.'), userIdParam, learn: false };
  }
  // An owner statement binds the caller's id, so it is "theirs" whenever the caller is signed in.
  if (admits(rule.access, principal, true)) return { ...ALLOW, userIdParam, learn: false };
  return {
    ...deny(
      rule.access === 'none'
        ? 'The rules do not allow this statement to end users.'
        : 'Sign in to run this statement.',
    ),
    userIdParam,
    learn: false,
  };
}

export function decideRow(
  rules: Rules,
  principal: Principal,
  table: string,
  row: Record<string, unknown>,
): boolean {
  if (isUnrestricted(principal)) return true;
  const rule = rules.tables.find((t) => t.table === table);
  if (!rule) return false;
  const userId = userOf(principal);
  const owned =
    rule.ownerColumn !== undefined && userId !== null && String(row[rule.ownerColumn] ?? '') === userId;
  return admits(rule.read, principal, owned);
}

/** What is wrong with `rules`, for a 422; null when nothing is. */
export function problemsOf(rules: RulesUpdate): string | null {
  for (const [i, rule] of rules.channels.entries()) {
    const problem = channelRuleProblem(rule);
    if (problem) return `channels[${i}] ("${rule.pattern}"): ${problem}`;
  }
  for (const [i, rule] of rules.statements.entries()) {
    if (rule.access === 'owner' && !usesUserId(rule.sql)) {
      return `statements[${i}]: an owner statement must use :${USER_ID_PARAM}.`;
    }
  }
  const seen = new Set<string>();
  for (const [i, rule] of rules.tables.entries()) {
    if (seen.has(rule.table)) return `tables[${i}]: "${rule.table}" has a rule already.`;
    seen.add(rule.table);
    if (rule.read === 'owner' && rule.ownerColumn === undefined) {
      return `tables[${i}] ("${rule.table}"): owner access needs ownerColumn.`;
    }
  }
  return null;
}

function channelRuleProblem(rule: ChannelRule): string | null {
  const parts = rule.pattern.split('/');
  for (const [i, part] of parts.entries()) {
    if (part === '**' && i !== parts.length - 1) return '`**` may only be the last segment.';
    if (part !== '*' && part !== '**' && part !== USER_SEGMENT && !SEGMENT.test(part)) {
      return `the segment "${part}" is not *, **, {userId} or letters, digits, _ . -`;
    }
  }
  const usesOwner = [rule.subscribe, rule.publish, rule.presence].includes('owner');
  if (usesOwner && !parts.includes(USER_SEGMENT)) return 'owner access needs a {userId} segment.';
  return null;
}
