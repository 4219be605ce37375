import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('config', () => {
  it('has embedded defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      databaseUrl: null,
      redisUrl: null,
      logLevel: 'info',
    });
    expect(config.dataDir).toMatch(/\.aerostack$/);
  });

  it.each([
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '1.5' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ AEROSTACK_BODY_LIMIT_BYTES: '10' }, 'AEROSTACK_BODY_LIMIT_BYTES'],
  ])('rejects %o naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('reads the scale-out settings', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@h/db',
      REDIS_URL: 'redis://h:6379',
      PORT: '9000',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://u@h/db',
      redisUrl: 'redis://h:6379',
      port: 9000,
    });
  });

  it('has auth defaults: strong scrypt, a public URL from host and port, no proxy header', () => {
    const config = loadConfig({ PORT: '9000' });
    expect(config.publicUrl).toBe('http://127.0.0.1:9000');
    expect(config.clientIpHeader).toBeNull();
    expect(config.auth).toMatchObject({
      accessTtlSeconds: 3600,
      refreshGraceSeconds: 10,
      scrypt: { N: 32768, r: 8, p: 1 },
      smtpUrl: null,
      redirectUrls: [],
    });
  });

  it('reads the auth settings', () => {
    const config = loadConfig({
      AEROSTACK_PUBLIC_URL: 'https://api.example.com/',
      AEROSTACK_CLIENT_IP_HEADER: 'X-Forwarded-For',
      AEROSTACK_AUTH_SCRYPT: '1024:8:1',
      AEROSTACK_AUTH_ACCESS_TTL_SECONDS: '300',
      AEROSTACK_AUTH_REFRESH_GRACE_SECONDS: '0',
      AEROSTACK_AUTH_REDIRECT_URLS: 'https://app.example.com/auth, myapp://callback',
      SMTP_URL: 'smtp://mail.example.com:2525',
      SMTP_FROM: 'App <auth@example.com>',
    });
    expect(config.publicUrl).toBe('https://api.example.com');
    expect(config.clientIpHeader).toBe('x-forwarded-for');
    expect(config.auth).toMatchObject({
      accessTtlSeconds: 300,
      refreshGraceSeconds: 0,
      scrypt: { N: 1024, r: 8, p: 1 },
      smtpUrl: 'smtp://mail.example.com:2525',
      smtpFrom: 'App <auth@example.com>',
      redirectUrls: ['https://app.example.com/auth', 'myapp://callback'],
    });
  });

  it.each([
    [{ AEROSTACK_AUTH_SCRYPT: '1000:8:1' }, 'AEROSTACK_AUTH_SCRYPT'],
    [{ AEROSTACK_AUTH_SCRYPT: '1024:8' }, 'AEROSTACK_AUTH_SCRYPT'],
    [{ AEROSTACK_AUTH_SCRYPT: '1048576:16:1' }, 'AEROSTACK_AUTH_SCRYPT'],
    [{ AEROSTACK_AUTH_ACCESS_TTL_SECONDS: '0' }, 'AEROSTACK_AUTH_ACCESS_TTL_SECONDS'],
    [{ AEROSTACK_AUTH_REDIRECT_URLS: 'https://ok.example, not a url' }, 'AEROSTACK_AUTH_REDIRECT_URLS'],
    [{ SMTP_URL: 'http://mail.example.com' }, 'SMTP_URL'],
    [{ AEROSTACK_PUBLIC_URL: 'ftp://x' }, 'AEROSTACK_PUBLIC_URL'],
  ])('rejects %o naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
