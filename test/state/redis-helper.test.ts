import t from 'tap';
import { connect } from 'node:net';
import { startRedis } from '../helpers/redis.js';

/** Sends PING over a raw socket; resolves with the reply line or the error code. */
function ping(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('TIMEOUT');
    }, 2000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      clearTimeout(timer);
      socket.end();
      resolve(data.toString().trim());
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code ?? 'ERROR');
    });
  });
}

t.test('startRedis gives a server that answers PING', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  t.match(redis.url, /^redis:\/\//);
  t.equal(await ping(redis.port), '+PONG');
});

t.test('a private server can be stopped and restarted on the same port', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  if (!redis.controllable) {
    t.pass('REDIS_URL given', { skip: 'cannot stop or restart a shared Redis' });
    return;
  }
  await redis.stop();
  t.equal(await ping(redis.port), 'ECONNREFUSED');
  await redis.restart();
  t.equal(await ping(redis.port), '+PONG');
});
