import type { FastifyRequest } from 'fastify';

/**
 * Who may do what through the API (issue 17): a viewer reads; a technician also acknowledges,
 * shelves, sets assets out of service and retries orders; an engineer also edits rules; an admin
 * also manages users and tokens and cancels orders. Each route states the least role it needs in
 * its route options (`config: { role: 'technician' }`); routes without one need `viewer`. The
 * authentication layer sets `request.actor` and refuses what the role does not allow (401 without
 * credentials, 403 for the wrong role).
 */
export const ROLES = ['viewer', 'technician', 'engineer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `has` is at least `needs`. */
export function roleAllows(has: Role, needs: Role): boolean {
  return ROLES.indexOf(has) >= ROLES.indexOf(needs);
}

/** The one who sent a request, as the audit log records it. */
export interface Actor {
  /** A user name, or `token:<name>` for an API token. */
  name: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role a route needs (default `viewer`). */
    role?: Role;
  }
  interface FastifyRequest {
    /** Set by the authentication layer; undefined where none is configured (tests building the API bare). */
    actor?: Actor;
  }
}

/** The name to record for a request's action. */
export function actorName(req: FastifyRequest): string {
  return req.actor?.name ?? 'api';
}

/** One entry of the audit log: who did what, when, with the state before and after. */
export interface AuditEntry {
  at: number;
  actor: string;
  /** `alarm.acknowledge`, `alarm.shelve`, `asset.out_of_service`, `order.retry`, `order.cancel`, `rule.save`, `rule.rollback`, `user.add`, `token.create`, … */
  action: string;
  /** What it acted on: `bearing-hot@p-1`, `order:<id>`, `rules/pumps.yaml`, `user:jane`. */
  target: string;
  before?: unknown;
  after?: unknown;
}

/** Where commands and rule changes are recorded (the API lists them). */
export interface AuditSink {
  record(e: AuditEntry): void;
}
