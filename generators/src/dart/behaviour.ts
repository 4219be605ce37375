// lib/src/behaviour.dart: spec/clients/behaviour.json (ApiModel.behaviour) as Dart constants, which
// the hand-written runtime (retry.dart, transport.dart, exception.dart) reads.
import type { ApiModel } from '../model/index.js';
import { dartDoc, dartString } from './naming.js';

const ms = (n: number) => String(Math.round(n));

export function renderBehaviour(model: ApiModel): string {
  const b = model.behaviour;
  const r = b.retry;
  const constant = (doc: string, declaration: string) => [
    '',
    ...dartDoc('  ', [doc]),
    `  static const ${declaration};`,
  ];
  return [
    ...dartDoc('', [
      'What the client does around a call, from spec/clients/behaviour.json (the rules are in',
      'spec/clients/README.md); the same numbers are emitted into every Aerostack client.',
    ]),
    'abstract final class Behaviour {',
    ...constant(
      'Retries after the first attempt, unless the client or the call says otherwise.',
      `maxRetries = ${r.maxRetries}`,
    ),
    ...constant(
      'Statuses retried when the call is safe to repeat.',
      `retryStatuses = <int>{${r.retryStatuses.join(', ')}}`,
    ),
    ...constant(
      'Whether every 5xx is retried when the call is safe to repeat.',
      `retryServerErrors = ${r.retryServerErrors}`,
    ),
    ...constant(
      'Methods safe to repeat without an idempotency key.',
      `idempotentMethods = <String>{${r.idempotentMethods.map(dartString).join(', ')}}`,
    ),
    ...constant(
      'The wait before the first retry, in milliseconds.',
      `backoffInitialMs = ${ms(r.backoff.initialMs)}`,
    ),
    ...constant('How much each wait grows.', `backoffMultiplier = ${r.backoff.multiplier}`),
    ...constant('The longest backoff wait, in milliseconds.', `backoffMaxMs = ${ms(r.backoff.maxMs)}`),
    ...constant(
      'The share of a wait the jitter may take off: `wait × (1 − jitter × r)`.',
      `backoffJitter = ${Number.isInteger(r.backoff.jitter) ? `${r.backoff.jitter}.0` : r.backoff.jitter}`,
    ),
    ...constant(
      'The longest wait a `Retry-After` can ask for, in milliseconds.',
      `retryAfterCapMs = ${ms(r.retryAfter.capMs)}`,
    ),
    ...constant(
      'The header carrying an idempotency key.',
      `idempotencyHeader = ${dartString(b.idempotency.header)}`,
    ),
    ...constant(
      'The prefix of a generated idempotency key.',
      `idempotencyKeyPrefix = ${dartString(b.idempotency.keyPrefix)}`,
    ),
    ...constant(
      "The header carrying the platform's request id.",
      `requestIdHeader = ${dartString(b.requestIdHeader)}`,
    ),
    ...constant(
      'No answer: the connection failed or broke.',
      `clientNetwork = ${dartString(b.clientErrors.network)}`,
    ),
    ...constant('No answer within the timeout.', `clientTimeout = ${dartString(b.clientErrors.timeout)}`),
    ...constant(
      'An answer that is not a problem document, or a success that is not the declared JSON.',
      `clientInvalidResponse = ${dartString(b.clientErrors.invalidResponse)}`,
    ),
    ...constant('The caller cancelled the call.', `clientAborted = ${dartString(b.clientErrors.aborted)}`),
    '}',
  ]
    .join('\n')
    .replace('class Behaviour {\n\n', 'class Behaviour {\n');
}
