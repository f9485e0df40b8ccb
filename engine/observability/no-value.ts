/**
 * How every signal spells "no value" (no route matched, no upstream was chosen): the metrics'
 * label, the access log's field and the admin API's usage key are the same string, so one
 * query can join them.
 */
export const NO_VALUE = '(none)';
