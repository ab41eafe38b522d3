/** One `cbm-gateway` sub-command: its words (e.g. `['modbus', 'probe']`), usage line and runner. */
export interface Command {
  words: string[];
  usage: string;
  summary: string;
  /** Receives the arguments after the command words; returns the process exit code. */
  run(args: string[]): Promise<number>;
}

export class UsageError extends Error {}
