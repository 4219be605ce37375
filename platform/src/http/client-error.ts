import type { Socket } from 'node:net';
import { ApiError } from './problem.js';
import { requestIdFrom } from './request-id.js';

// Requests Node's HTTP parser refuses never reach the app (an unknown method, a header block over
// 16 KiB, a malformed request line). They still get problem+json with a code, not a bare
// "400 Bad Request" without a body.

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
};

function errorFor(code: string | undefined): ApiError {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new ApiError('request/headers-too-large', 'The request line and headers exceed 16 KiB.');
  }
  if (code === 'HPE_INVALID_METHOD') {
    return new ApiError('request/method-not-implemented', 'The HTTP method is not one the platform knows.');
  }
  return new ApiError('request/malformed', 'The HTTP request could not be parsed.');
}

/** The `clientError` listener of the HTTP server. */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const requestId = requestIdFrom(undefined);
  const problem = errorFor(error.code);
  const body = JSON.stringify(problem.toProblem(requestId));
  socket.end(
    `HTTP/1.1 ${problem.status} ${REASONS[problem.status] ?? 'Error'}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
