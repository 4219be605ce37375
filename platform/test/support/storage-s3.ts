import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../../src/config.js';

// A real S3-compatible server for the storage suites: versitygw (its posix backend on a temp
// directory), installed by scripts/system-deps.sh with `go install`, started here on a free
// loopback port and stopped with the suite. In CI a missing binary fails the suite.

/** Where `go install` put versitygw, or null. */
export function versitygwBinary(): string | null {
  const candidates = [
    process.env.VERSITYGW_BIN,
    ...(process.env.PATH ?? '')
      .split(':')
      .filter(Boolean)
      .map((dir) => join(dir, 'versitygw')),
    join(process.env.GOBIN ?? join(process.env.GOPATH ?? join(homedir(), 'go'), 'bin'), 'versitygw'),
  ].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p)) ?? null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface S3Server {
  /** Settings as S3_* environment variables (for a platform process). */
  env: Record<string, string>;
  /** A fresh bucket's config. */
  bucket(): Promise<S3Config>;
  stop(): Promise<void>;
}

let buckets = 0;

/** Starts versitygw; throws when it is not installed. */
export async function startS3Server(): Promise<S3Server> {
  const binary = versitygwBinary();
  if (!binary) throw new Error('versitygw is not installed (scripts/system-deps.sh)');
  const root = mkdtempSync(join(tmpdir(), 'aerostack-s3-'));
  const accessKeyId = 'aerostacktest';
  const secretAccessKey = 'aerostack-test-secret';
  let child: ChildProcess | undefined;
  let port = 0;
  let log = '';
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    const started = spawn(
      binary,
      ['--access', accessKeyId, '--secret', secretAccessKey, '--port', `127.0.0.1:${port}`, 'posix', root],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    started.stdout!.on('data', (d) => {
      log += d;
    });
    started.stderr!.on('data', (d) => {
      log += d;
    });
    // Stopped with the process that started it, even when a test run is killed.
    started.unref();
    const up = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 20_000);
      started.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
      const poll = () =>
        fetch(`http://127.0.0.1:${port}/`)
          .then(() => {
            clearTimeout(timer);
            resolve(true);
          })
          .catch(() => setTimeout(poll, 50));
      poll();
    });
    if (up) child = started;
    else started.kill('SIGKILL');
  }
  if (!child) throw new Error(`versitygw did not start:\n${log}`);
  const running = child;
  process.once('exit', () => running.kill('SIGKILL'));
  const base: S3Config = {
    endpoint: `http://127.0.0.1:${port}`,
    bucket: '',
    region: 'us-east-1',
    accessKeyId,
    secretAccessKey,
    forcePathStyle: true,
  };
  async function bucket(): Promise<S3Config> {
    const name = `aerostack-${process.pid}-${++buckets}`;
    const client = new S3Client({
      region: base.region,
      endpoint: base.endpoint!,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
    });
    await client.send(new CreateBucketCommand({ Bucket: name }));
    client.destroy();
    return { ...base, bucket: name };
  }
  return {
    env: {
      S3_ENDPOINT: base.endpoint!,
      S3_REGION: base.region,
      S3_ACCESS_KEY_ID: accessKeyId,
      S3_SECRET_ACCESS_KEY: secretAccessKey,
      S3_FORCE_PATH_STYLE: '1',
    },
    bucket,
    async stop() {
      running.kill('SIGTERM');
      await new Promise((resolve) =>
        running.exitCode === null ? running.once('exit', resolve) : resolve(null),
      );
      rmSync(root, { recursive: true, force: true });
    },
  };
}
