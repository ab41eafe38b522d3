import { z } from 'zod';

/** Ids appear in tag keys, topics and URLs: keep them to a safe alphabet. */
export const id = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, 'expected an id of letters, digits, "_", "." or "-"');

export { duration } from './duration.js';
