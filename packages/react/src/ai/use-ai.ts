import type { AerostackError, AiChatRequest, AiMessage, AiStreamEvents } from '@aerostack/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useAerostackContext } from '../context.js';

/**
 * Options of `useAI`.
 *
 * @example
 * useAI({ initialMessages: [{ role: 'system', content: 'Answer in French.' }], request: { temperature: 0 } });
 */
export interface UseAIOptions {
  /** The conversation to start from (a system prompt, a restored chat). */
  initialMessages?: AiMessage[] | undefined;
  /** Sent with every request besides the messages: a model, tools, a response format… */
  request?: Omit<AiChatRequest, 'messages'> | undefined;
  /** Called when an answer is complete, with the assistant's message and how it ended. */
  onFinish?: ((message: AiMessage, done: AiStreamEvents['done']) => void) | undefined;
}

/**
 * What `useAI` returns.
 *
 * @example
 * const { messages, send, isStreaming, abort, error } = useAI();
 */
export interface UseAIResult {
  /** The conversation, the assistant's answer included as it streams in. */
  messages: AiMessage[];
  /**
   * Adds a user message (or any message) and streams the assistant's answer. Resolves when the
   * answer is complete, aborted or failed (then `error` is set); it never rejects.
   */
  send(message: string | AiMessage): Promise<void>;
  /** True while an answer is streaming. */
  isStreaming: boolean;
  /** Stops the answer in flight; what arrived stays in `messages`. */
  abort(): void;
  /** The last send's failure, cleared by the next send. */
  error: AerostackError | null;
  /** Replaces the conversation (stops any answer in flight). */
  setMessages(messages: AiMessage[]): void;
}

// The client rejects only with AerostackErrors (a network failure included); @aerostack/react
// imports nothing but types from core, so the error is not re-checked here.
const asError = (error: unknown): AerostackError => error as AerostackError;

/**
 * A streamed chat with the platform's AI provider: keeps the conversation, streams each answer
 * token by token into `messages`, and can abort it. Needs a client whose credential may call AI
 * (a secret key on a server, or a signed-in end user — see `useAuth` — within the platform's
 * per-user rate limit). SSR-safe: nothing is sent until `send`.
 *
 * @example
 * ```tsx
 * function Chat() {
 *   const { messages, send, isStreaming, abort, error } = useAI();
 *   return (
 *     <>
 *       {messages.map((m, i) => <p key={i}>{m.role}: {m.content}</p>)}
 *       <button onClick={() => send('Tell me a joke')} disabled={isStreaming}>Send</button>
 *       {isStreaming && <button onClick={abort}>Stop</button>}
 *       {error && <p role="alert">{error.message}</p>}
 *     </>
 *   );
 * }
 * ```
 */
export function useAI(options: UseAIOptions = {}): UseAIResult {
  const client = useAerostackContext('useAI()');
  const [messages, setMessagesState] = useState<AiMessage[]>(options.initialMessages ?? []);
  const [isStreaming, setStreaming] = useState(false);
  const [error, setError] = useState<AerostackError | null>(null);
  // The conversation as of the latest update (send reads it without waiting for a render).
  const latest = useRef(messages);
  const inFlight = useRef<AbortController | null>(null);
  const optionsRef = useRef(options);
  optionsRef.current = options;

  const update = useCallback((next: AiMessage[]) => {
    latest.current = next;
    setMessagesState(next);
  }, []);

  const abort = useCallback(() => {
    inFlight.current?.abort();
    inFlight.current = null;
  }, []);

  useEffect(() => abort, [abort]);

  const send = useCallback(
    async (input: string | AiMessage) => {
      abort();
      const controller = new AbortController();
      inFlight.current = controller;
      const message: AiMessage = typeof input === 'string' ? { role: 'user', content: input } : input;
      const conversation = [...latest.current, message];
      const answer: AiMessage = { role: 'assistant', content: '' };
      update([...conversation, answer]);
      setError(null);
      setStreaming(true);
      let done: AiStreamEvents['done'] | null = null;
      try {
        const request = { ...optionsRef.current.request, messages: conversation };
        for await (const event of client.ai.stream(request, { signal: controller.signal })) {
          if (event.event === 'delta') answer.content = `${answer.content ?? ''}${event.data.text}`;
          else if (event.event === 'tool-call') answer.toolCalls = [...(answer.toolCalls ?? []), event.data];
          else if (event.event === 'done') done = event.data;
          else continue;
          if (inFlight.current === controller) update([...conversation, { ...answer }]);
        }
      } catch (failure) {
        if (inFlight.current === controller) setError(asError(failure));
      } finally {
        if (inFlight.current === controller) {
          inFlight.current = null;
          setStreaming(false);
        } else if (inFlight.current === null) {
          setStreaming(false);
        }
      }
      if (done) optionsRef.current.onFinish?.({ ...answer }, done);
    },
    [abort, client, update],
  );

  const setMessages = useCallback(
    (next: AiMessage[]) => {
      abort();
      setStreaming(false);
      update(next);
    },
    [abort, update],
  );

  return { messages, send, isStreaming, abort, error, setMessages };
}
