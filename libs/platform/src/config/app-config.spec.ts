import { ConfigError, loadConfig } from './app-config';

const valid = { DATABASE_URL: 'postgres://u@localhost:5432/db', REDIS_URL: 'redis://localhost:6379' };

describe('loadConfig', () => {
  it('applies defaults to a minimal environment', () => {
    const config = loadConfig(valid);
    expect(config.PORT).toBe(3000);
    expect(config.QUEUE_PREFIX).toBe('gpupool');
    expect(config.GRAPHQL_MAX_DEPTH).toBeGreaterThanOrEqual(10);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names a missing variable', () => {
    expect(() => loadConfig({ REDIS_URL: valid.REDIS_URL })).toThrow(/DATABASE_URL is required/);
  });

  it.each([
    ['PORT', 'eighty', /PORT/],
    ['PORT', '70000', /PORT/],
    ['DATABASE_URL', 'mysql://localhost/db', /DATABASE_URL must be a postgres/],
    ['REDIS_URL', 'not a url', /REDIS_URL/],
    ['BOOTSTRAP_ADMIN_KEY', 'short', /BOOTSTRAP_ADMIN_KEY must be at least 16/],
    ['GRAPHQL_MAX_DEPTH', '5', /GRAPHQL_MAX_DEPTH/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL/],
    ['QUEUE_PREFIX', 'a b', /QUEUE_PREFIX/],
    ['WORKER_HTTP_PORT', '70000', /WORKER_HTTP_PORT/],
  ])('refuses %s=%s and names it', (name, value, message) => {
    const attempt = () => loadConfig({ ...valid, [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });

  it('never echoes a secret it refuses', () => {
    expect(() => loadConfig({ ...valid, BOOTSTRAP_ADMIN_KEY: 'sekrit' })).not.toThrow(/sekrit/);
  });
});
