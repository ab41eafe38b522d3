/**
 * Everything of the OPC UA source that loads node-opcua, behind one dynamic import: node-opcua
 * takes seconds to load on a small edge box, and a gateway or CLI command without OPC UA should
 * not pay for it (nor should the MQTT broker wait for it at start-up). Import it through
 * `load.ts`, never statically.
 */
export { createClient, fetchServerCertificate, userIdentity } from './client.js';
export { toSample } from './datavalue.js';
export { describeFailure } from './failure.js';
export { applyIssuers, applyTrustList, certificateInfo, normaliseThumbprint, openPki } from './pki.js';
export { resolveItems } from './resolve.js';
export { createSubscription, retryRefused } from './subscriptions.js';
export { browseTree } from './browse.js';
