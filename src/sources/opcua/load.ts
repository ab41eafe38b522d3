/** The node-opcua half of the OPC UA source, loaded on first use (see runtime.ts for why). */
export type Runtime = typeof import('./runtime.js');

export const loadRuntime = (): Promise<Runtime> => import('./runtime.js');
