// The Lua scripts of the Redis cache store. Each runs atomically. They touch the project's value
// keys by name (built from a prefix in ARGV), which a single Redis allows; a Redis Cluster would
// need the project id as a hash tag first.

/**
 * KEYS: value, index. ARGV: by, ttl ms (0 = none), index member. Adds `by` to an integer value,
 * refusing a non-integer or a result outside ±(2^53−1); a created key gets the TTL and its member.
 */
export const SET_INCREMENT = `
local current = redis.call('GET', KEYS[1])
if current and not string.match(current, '^-?%d+$') then
  return redis.error_reply('NOTINT')
end
local base = tonumber(current or '0')
local result = base + tonumber(ARGV[1])
if result > 9007199254740991 or result < -9007199254740991 then
  return redis.error_reply('NOTINT')
end
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if not current then
  if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  redis.call('ZADD', KEYS[2], 0, ARGV[3])
end
return {value, redis.call('PTTL', KEYS[1])}
`;

/**
 * KEYS: index. ARGV: value key prefix, min, max (ZRANGEBYLEX bounds), want, budget.
 * Up to `want` live members in [min, max] as a flat list member, pttl, …, examining at most
 * `budget` members and removing the dead ones met; then the last member examined, or false when
 * the range is exhausted.
 */
export const LIST = `
local want = tonumber(ARGV[4])
local budget = tonumber(ARGV[5])
local found = {}
local count = 0
local seen = 0
local min = ARGV[2]
local last = false
while count < want and seen < budget do
  local batch = redis.call('ZRANGEBYLEX', KEYS[1], min, ARGV[3], 'LIMIT', 0, math.min(want - count, budget - seen))
  if #batch == 0 then return {found, false} end
  for _, member in ipairs(batch) do
    seen = seen + 1
    local pttl = redis.call('PTTL', ARGV[1] .. member)
    if pttl == -2 then
      redis.call('ZREM', KEYS[1], member)
    else
      found[#found + 1] = member
      found[#found + 1] = pttl
      count = count + 1
    end
    last = member
  end
  min = '(' .. last
end
return {found, last}
`;

/**
 * KEYS: index. ARGV: value key prefix, min, max, batch. Removes the members among the next
 * `batch` in [min, max] whose keys are gone: {removed, last member examined or false at the end}.
 */
export const PRUNE = `
local batch = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[2], ARGV[3], 'LIMIT', 0, tonumber(ARGV[4]))
local removed = 0
for _, member in ipairs(batch) do
  if redis.call('EXISTS', ARGV[1] .. member) == 0 then
    removed = removed + redis.call('ZREM', KEYS[1], member)
  end
end
if #batch < tonumber(ARGV[4]) then return {removed, false} end
return {removed, batch[#batch]}
`;

/**
 * KEYS: index. ARGV: n, then n value keys, then their n members. Unlinks the keys and removes the
 * members in one step; answers how many keys were there.
 */
export const REMOVE = `
local n = tonumber(ARGV[1])
local keys = {}
local members = {}
for i = 1, n do
  keys[i] = ARGV[1 + i]
  members[i] = ARGV[1 + n + i]
end
local unlinked = redis.call('UNLINK', unpack(keys))
redis.call('ZREM', KEYS[1], unpack(members))
return unlinked
`;
