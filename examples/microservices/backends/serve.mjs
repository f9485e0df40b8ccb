// @ts-check
// One of the microservices example's services in a container of its own (deploy/compose.yaml):
//   node examples/microservices/backends/serve.mjs auth-service|user-service|metrics-service|
//                                                   health-service|notification-service
// It listens on 0.0.0.0:$PORT. The auth service reads JWT_SECRET; the notification service reads
// GATEWAY_URL and WEBHOOK_AUTH_TOKEN. SIGTERM stops it.
import { startAuthService } from './auth-service.mjs';
import { startContextService } from './context-service.mjs';
import { startNotificationService } from './notification-service.mjs';

const CONTEXT_SERVICES = ['user-service', 'metrics-service', 'health-service'];

/** @param {string} name */
function required(name) {
  const value = process.env[name];
  if (value === undefined || value === '') {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return value;
}

const service = process.argv[2] ?? '';
const listen = { host: '0.0.0.0', port: Number(required('PORT')) };
let started;
if (service === 'auth-service') {
  started = await startAuthService(required('JWT_SECRET'), listen);
} else if (service === 'notification-service') {
  const gateway = required('GATEWAY_URL');
  started = await startNotificationService(() => gateway, required('WEBHOOK_AUTH_TOKEN'), listen);
} else if (CONTEXT_SERVICES.includes(service)) {
  started = await startContextService(service, listen);
} else {
  console.error(
    `which service? one of auth-service, notification-service, ${CONTEXT_SERVICES.join(', ')}`,
  );
  process.exit(2);
}
const running = started;
console.error(`${service} listening on ${listen.host}:${listen.port}`);
process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
