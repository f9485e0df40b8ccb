// Loaded into a measured process with `node --import`: a control listener on
// 127.0.0.1:$ALLOC_PROBE_PORT answers POST /start and POST /stop. /stop reports what the process
// allocated on the V8 heap, the time its garbage collector took and the CPU it used since /start.
// With $ALLOC_PROBE_PROFILE set, V8's CPU profiler (the one behind --cpu-prof) also runs between
// /start and /stop, and /stop writes its profile to that path: start-up stays out of it. With
// $ALLOC_PROBE_HEAP_PROFILE set, V8's sampling heap profiler runs instead and keeps the samples of
// objects the GC has collected too, so the profile says where the per-request garbage is made.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { Session } from 'node:inspector/promises';
import v8 from 'node:v8';

const port = Number(process.env.ALLOC_PROBE_PORT);
const profilePath = process.env.ALLOC_PROBE_PROFILE;
const heapProfilePath = process.env.ALLOC_PROBE_HEAP_PROFILE;
let window = null;
let session = null;

async function start() {
  if (profilePath) {
    session ??= new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  } else if (heapProfilePath) {
    session ??= new Session();
    session.connect();
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }
  const profiler = new v8.GCProfiler();
  profiler.start();
  window = { profiler, cpu: process.cpuUsage(), heapUsed: v8.getHeapStatistics().used_heap_size };
}

async function writeProfile() {
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  writeFileSync(profilePath, JSON.stringify(profile));
}

async function writeHeapProfile() {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  writeFileSync(heapProfilePath, JSON.stringify(profile));
}

/**
 * Allocated bytes = growth of the used heap between collections: each GC's "before" minus the
 * previous "after" (or the start), plus the growth after the last GC.
 */
function stop() {
  const { profiler, cpu, heapUsed } = window;
  window = null;
  const cpuUsed = process.cpuUsage(cpu);
  const end = v8.getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  let allocated = 0;
  let previous = heapUsed;
  let gcMicros = 0;
  const byType = {};
  for (const gc of statistics) {
    allocated += gc.beforeGC.heapStatistics.usedHeapSize - previous;
    previous = gc.afterGC.heapStatistics.usedHeapSize;
    gcMicros += gc.cost;
    byType[gc.gcType] = Math.round((byType[gc.gcType] ?? 0) + gc.cost);
  }
  allocated += end - previous;
  return {
    allocatedBytes: allocated,
    gcMicros,
    gcCount: statistics.length,
    /** GC type (Scavenge, MarkSweepCompact, ...) → µs spent in it. */
    gcMicrosByType: byType,
    cpuMicros: cpuUsed.user + cpuUsed.system,
  };
}

if (Number.isInteger(port) && port > 0) {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && req.url === '/start' && window === null) {
      start().then(() => res.end('{}'));
    } else if (req.method === 'POST' && req.url === '/stop' && window !== null) {
      const measured = stop();
      const written = profilePath
        ? writeProfile()
        : heapProfilePath
          ? writeHeapProfile()
          : Promise.resolve();
      written.then(() => res.end(JSON.stringify(measured)));
    } else {
      res.statusCode = 409;
      res.end('{"error":"POST /start, then POST /stop"}');
    }
  });
  server.listen(port, '127.0.0.1');
  // The probe must never keep a finished process alive.
  server.unref();
}
