import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import * as dnsPacket from 'dns-packet';

interface Tap {
  teardown(fn: () => unknown): void;
}

export interface SrvTarget {
  target: string;
  port: number;
  priority?: number;
  weight?: number;
}

/** What the server answers for one name. */
export interface DnsRecords {
  a?: string[];
  aaaa?: string[];
  srv?: SrvTarget[];
}

/** The low four bits of the flags carry the response code; 2 is SERVFAIL. */
const SERVFAIL = 2;

/**
 * A small authoritative DNS server on 127.0.0.1 (UDP, a free port) for the tests: A, AAAA and
 * SRV answers from `records`, which a test changes while the gateway runs; `failing` makes every
 * answer SERVFAIL. Each query is counted, and waiters resolve on the next one.
 */
export class TestDnsServer {
  records = new Map<string, DnsRecords>();
  ttlSeconds = 1;
  failing = false;
  queries = 0;
  private waiters: Array<() => void> = [];

  private constructor(readonly port: number) {}

  static async start(t: Tap): Promise<TestDnsServer> {
    const socket = createSocket('udp4');
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    const server = new TestDnsServer(socket.address().port);
    socket.on('message', (msg, peer) => {
      const reply = server.answer(msg);
      if (reply !== null) socket.send(reply, peer.port, peer.address);
    });
    t.teardown(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    return server;
  }

  /** host:port, for `discovery.resolver`. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Resolves after `n` more queries have been answered (bounded by `timeoutMs`). */
  async nextQueries(n: number, timeoutMs = 5000): Promise<void> {
    const target = this.queries + n;
    const deadline = Date.now() + timeoutMs;
    while (this.queries < target) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fewer than ${n} DNS queries within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private answer(msg: Buffer): Buffer | null {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return null;
    }
    const question = query.questions?.[0];
    if (question === undefined) return null;
    const reply = this.reply(question);
    this.queries++;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
    return dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (this.failing ? SERVFAIL : 0),
      questions: [question],
      answers: this.failing ? [] : reply,
    });
  }

  private reply(question: dnsPacket.Question): dnsPacket.Answer[] {
    const records = this.records.get(question.name.toLowerCase());
    if (records === undefined) return [];
    const { name } = question;
    const ttl = this.ttlSeconds;
    switch (question.type) {
      case 'A':
        return (records.a ?? []).map((data) => ({ type: 'A', name, ttl, data }));
      case 'AAAA':
        return (records.aaaa ?? []).map((data) => ({ type: 'AAAA', name, ttl, data }));
      case 'SRV':
        return (records.srv ?? []).map((s) => ({
          type: 'SRV',
          name,
          ttl,
          data: {
            target: s.target,
            port: s.port,
            priority: s.priority ?? 0,
            weight: s.weight ?? 1,
          },
        }));
      default:
        return [];
    }
  }
}
