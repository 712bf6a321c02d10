export * from './client.js';
export * from './errors.js';
export * from './spec.js';
export * from './types.js';
export { parseCallbackBody } from './wire.js';
export * from './webhookSignature.js';
export * from './imageIndex.js';
