// One implementation for the tests and the example runner (scripts/example.mjs).
export { freePort } from '../../scripts/lib/free-port.mjs';
