import { randomBytes } from 'node:crypto';
import { HttpSim, parseBody, type SimReply, type SimRequest } from './http-sim.js';

export interface SapNotification {
  MaintenanceNotification: string;
  NotificationText: string;
  NotificationType: string;
  MaintPriority: string;
  MaintNotifExtReferenceNumber: string;
  NotifProcessingPhase: string;
  MaintNotificationLongText: string;
  TechnicalObject?: string;
  TechObjIsEquipOrFuncnlLoc?: string;
  LastChangeDateTime: string;
  LastChangedByUser: string;
  [field: string]: unknown;
}

const PATH = '/sap/opu/odata/sap/API_MAINTNOTIFICATION/MaintenanceNotification';
const SESSION = 'SAP_SESSIONID_S4H_100';
/** MaintNotifLongTextForEdit's MaxLength in the service metadata. */
const LONG_TEXT_MAX = 1333;

/**
 * An S/4HANA that honours what the target uses of the OData v2 service `API_MAINTNOTIFICATION`:
 * HTTP basic auth (401 with `WWW-Authenticate: Basic`); SAP Gateway CSRF protection (a GET with
 * `x-csrf-token: Fetch` starts a session cookie and returns its token; a POST without the
 * session's token gets 403, `x-csrf-token: Required`, "CSRF token validation failed");
 * `$filter=MaintNotifExtReferenceNumber eq '…'` joined by `or`; `{"d": {"results": […]}}`
 * JSON; creates that check field lengths from the service metadata (NotificationText 40,
 * MaintNotifExtReferenceNumber 20, MaintNotifLongTextForEdit 1333, MaintPriority 1..4), with
 * OData error bodies.
 *
 * Updates: `GET …/MaintenanceNotification('<number>')` answers the entity with its `ETag` (also
 * in `__metadata.etag`, as every entity of a query carries it); `PATCH` (or `MERGE`) on it needs
 * the session's CSRF token and `If-Match` with the current ETag (428 without it, 412 when the
 * notification changed since), 404 for an unknown number; `MaintNotifLongTextForEdit` is appended
 * to the long text (SAP keeps notification long texts as a log), the read-only long text itself
 * cannot be written. Answers 204 with the new ETag.
 */
export class SapSim extends HttpSim {
  readonly notifications: SapNotification[] = [];
  /** Every update applied, in order: the notification and the PATCH body. */
  readonly patches: { number: string; body: Record<string, unknown> }[] = [];
  /** Notification number → time of its last change (ms), which its ETag is made of. */
  private readonly changed = new Map<string, number>();
  /** session id → CSRF token */
  private readonly sessions = new Map<string, string>();
  private next = 10000001;
  csrfFetches = 0;
  csrfRejections = 0;
  private expireOnCreate = 0;
  private expireOnUpdate = 0;
  private editOnUpdate = 0;
  /** PATCHes refused with 412 (the ETag was stale). */
  preconditionFailures = 0;

  constructor(private readonly o: { username: string; password: string }) {
    super();
  }

  get count(): number {
    return this.notifications.length;
  }

  /** Every session and token dies, as after an ICM restart or session timeout. */
  expireSessions(): void {
    this.sessions.clear();
  }

  /** The next n creates find their session gone (it timed out between the token GET and the POST). */
  expireBeforeNextCreate(n = 1): void {
    this.expireOnCreate = n;
  }

  /** The next n updates find their session gone (it timed out between the read and the PATCH). */
  expireBeforeNextUpdate(n = 1): void {
    this.expireOnUpdate = n;
  }

  /** The next n PATCHes find the notification changed by someone else since the client read it. */
  editBeforeNextUpdate(n = 1): void {
    this.editOnUpdate = n;
  }

  /** Someone else changes the notification (a planner in IW22): its ETag changes. */
  touch(number: string, by = 'PLANNER1'): void {
    const n = this.notifications.find((x) => x.MaintenanceNotification === number);
    if (!n) throw new Error(`no notification ${number}`);
    this.stamp(n, by);
  }

  /** A planner sets the priority by hand. */
  setPriority(number: string, priority: string): void {
    const n = this.notifications.find((x) => x.MaintenanceNotification === number);
    if (!n) throw new Error(`no notification ${number}`);
    n.MaintPriority = priority;
    this.stamp(n, 'PLANNER1');
  }

  /** Records a change: a strictly later change time (so the ETag always moves) and who made it. */
  private stamp(n: SapNotification, by: string): void {
    const t = Math.max(Date.now(), (this.changed.get(n.MaintenanceNotification) ?? 0) + 1);
    this.changed.set(n.MaintenanceNotification, t);
    n.LastChangeDateTime = `/Date(${t}+0000)/`;
    n.LastChangedByUser = by;
  }

  /** The entity's ETag: its change time, as SAP Gateway makes ETags of a datetime property. */
  private etag(n: SapNotification): string {
    return `W/"datetime'${new Date(this.changed.get(n.MaintenanceNotification) ?? 0).toISOString().slice(0, 23)}0000'"`;
  }

  private entity(n: SapNotification): Record<string, unknown> {
    return { __metadata: { uri: `${this.url}${PATH}('${n.MaintenanceNotification}')`, type: 'API_MAINTNOTIFICATION.MaintenanceNotificationType', etag: this.etag(n) }, ...n };
  }

  /** Phase 3 in process, 4 completed, 5 deletion flag; `text` is appended to the long text. */
  setPhase(number: string, phase: string, text?: string, by = 'TECH01'): void {
    const n = this.notifications.find((x) => x.MaintenanceNotification === number);
    if (!n) throw new Error(`no notification ${number}`);
    n.NotifProcessingPhase = phase;
    this.stamp(n, by);
    if (text) n.MaintNotificationLongText = `${n.MaintNotificationLongText}\n${text}`.trim();
  }

  protected errorBody(status: number, message: string): unknown {
    return { error: { code: status >= 500 ? '/IWBEP/CM_MGW_RT/004' : '/IWBEP/CM_MGW_RT/020', message: { lang: 'en', value: message } } };
  }

  private err(status: number, message: string): SimReply {
    return { status, body: this.errorBody(status, message) };
  }

  private session(req: SimRequest): string | undefined {
    const cookie = String(req.headers.cookie ?? '');
    const m = new RegExp(`${SESSION}=([^;]+)`).exec(cookie);
    return m?.[1] && this.sessions.has(m[1]) ? m[1] : undefined;
  }

  protected route(req: SimRequest): SimReply | 'lost' {
    const want = `Basic ${Buffer.from(`${this.o.username}:${this.o.password}`).toString('base64')}`;
    if (req.headers.authorization !== want) {
      return { status: 401, headers: { 'www-authenticate': 'Basic realm="SAP NetWeaver Application Server [S4H/100]"' }, body: 'Logon failed' };
    }
    const key = req.path.startsWith(`${PATH}(`) ? /^\('((?:[^']|'')*)'\)$/.exec(decodeURIComponent(req.path.slice(PATH.length))) : null;
    if (key) return this.single(req, key[1]!.replace(/''/g, "'"));
    if (req.path !== PATH) return this.err(404, `Resource not found for segment '${req.path}'`);
    if (req.method === 'GET') return this.query(req);
    if (req.method === 'POST') return this.create(req);
    return this.err(405, `Method ${req.method} not allowed`);
  }

  /** `GET` or `PATCH`/`MERGE` of one notification by its number. */
  private single(req: SimRequest, number: string): SimReply | 'lost' {
    const n = this.notifications.find((x) => x.MaintenanceNotification === number);
    if (req.method === 'GET') {
      const headers = this.csrf(req);
      if (!n) return { status: 404, headers, body: this.errorBody(404, `Resource not found for segment 'MaintenanceNotificationType'`) };
      return { status: 200, headers: { ...headers, etag: this.etag(n) }, body: { d: this.entity(n) } };
    }
    if (req.method === 'PATCH' || req.method === 'MERGE') return this.patch(req, n);
    return this.err(405, `Method ${req.method} not allowed`);
  }

  /** A GET with `x-csrf-token: Fetch` gets the session's token (and a session cookie when it has none). */
  private csrf(req: SimRequest): Record<string, string | string[]> {
    const headers: Record<string, string | string[]> = {};
    if (String(req.headers['x-csrf-token'] ?? '').toLowerCase() === 'fetch') {
      this.csrfFetches++;
      let sid = this.session(req);
      if (!sid) {
        sid = randomBytes(12).toString('hex');
        this.sessions.set(sid, randomBytes(16).toString('base64'));
        headers['set-cookie'] = [`${SESSION}=${sid}; path=/; HttpOnly`, 'sap-usercontext=sap-client=100; path=/'];
      }
      headers['x-csrf-token'] = this.sessions.get(sid)!;
    }
    return headers;
  }

  /** A modifying request without the session's token is refused as SAP Gateway does. */
  private csrfRefusal(req: SimRequest): SimReply | undefined {
    const sid = this.session(req);
    if (sid && req.headers['x-csrf-token'] === this.sessions.get(sid)) return undefined;
    this.csrfRejections++;
    return { status: 403, headers: { 'x-csrf-token': 'Required' }, body: 'CSRF token validation failed' };
  }

  private patch(req: SimRequest, n: SapNotification | undefined): SimReply | 'lost' {
    if (this.expireOnUpdate > 0) {
      this.expireOnUpdate--;
      this.sessions.clear();
    }
    const refused = this.csrfRefusal(req);
    if (refused) return refused;
    if (!n) return this.err(404, `Resource not found for segment 'MaintenanceNotificationType'`);
    if (this.editOnUpdate > 0) {
      this.editOnUpdate--;
      this.stamp(n, 'PLANNER1');
    }
    const ifMatch = req.headers['if-match'];
    if (typeof ifMatch !== 'string' || !ifMatch) return this.err(428, 'Precondition required: send If-Match with the ETag of MaintenanceNotification');
    if (ifMatch !== '*' && ifMatch !== this.etag(n)) {
      this.preconditionFailures++;
      return this.err(412, `Precondition failed: MaintenanceNotification ${n.MaintenanceNotification} was changed by ${n.LastChangedByUser}`);
    }
    const b = parseBody(req.body);
    if (!b) return this.err(400, 'Malformed JSON payload');
    for (const ro of ['MaintenanceNotification', 'MaintNotificationLongText', 'NotifProcessingPhase', 'LastChangeDateTime']) {
      if (ro in b) return this.err(400, `Property '${ro}' is read-only`);
    }
    if (b.NotificationText !== undefined && (typeof b.NotificationText !== 'string' || b.NotificationText.length > 40)) return this.err(400, "Value for property 'NotificationText' exceeds maximum length 40");
    if (b.MaintPriority !== undefined && !['1', '2', '3', '4'].includes(String(b.MaintPriority))) return this.err(400, `Priority ${String(b.MaintPriority)} is not defined for priority type PM`);
    const { MaintNotifLongTextForEdit: text, ...fields } = b;
    if (text !== undefined && (typeof text !== 'string' || text.length > LONG_TEXT_MAX)) return this.err(400, `Value for property 'MaintNotifLongTextForEdit' exceeds maximum length ${LONG_TEXT_MAX}`);
    Object.assign(n, fields);
    if (typeof text === 'string' && text) n.MaintNotificationLongText = `${n.MaintNotificationLongText}\n${text}`.trim();
    this.stamp(n, this.o.username.toUpperCase());
    this.patches.push({ number: n.MaintenanceNotification, body: b });
    if (this.consumeUpdateLoss()) return 'lost';
    return { status: 204, headers: { etag: this.etag(n) } };
  }

  private query(req: SimRequest): SimReply {
    const headers = this.csrf(req);
    const filter = req.query.get('$filter') ?? '';
    const refs = new Set<string>();
    for (const part of filter ? filter.split(/\s+or\s+/) : []) {
      const m = /^MaintNotifExtReferenceNumber eq '([^']*)'$/.exec(part.trim());
      if (!m) return this.err(400, `Invalid filter expression: '${part}'`);
      refs.add(m[1]!);
    }
    const results = this.notifications.filter((n) => !filter || refs.has(n.MaintNotifExtReferenceNumber));
    return { status: 200, headers, body: { d: { results: results.map((n) => this.entity(n)) } } };
  }

  private create(req: SimRequest): SimReply | 'lost' {
    if (this.expireOnCreate > 0) {
      this.expireOnCreate--;
      this.sessions.clear();
    }
    const refused = this.csrfRefusal(req);
    if (refused) return refused;
    const b = parseBody(req.body);
    if (!b) return this.err(400, 'Malformed JSON payload');
    const text = b.NotificationText;
    if (typeof text !== 'string' || !text) return this.err(400, "Property 'NotificationText' is required");
    if (text.length > 40) return this.err(400, "Value for property 'NotificationText' exceeds maximum length 40");
    const ref = String(b.MaintNotifExtReferenceNumber ?? '');
    if (ref.length > 20) return this.err(400, "Value for property 'MaintNotifExtReferenceNumber' exceeds maximum length 20");
    const long = b.MaintNotifLongTextForEdit;
    if (long !== undefined && (typeof long !== 'string' || long.length > LONG_TEXT_MAX)) return this.err(400, `Value for property 'MaintNotifLongTextForEdit' exceeds maximum length ${LONG_TEXT_MAX}`);
    const prio = String(b.MaintPriority ?? '');
    if (prio && !['1', '2', '3', '4'].includes(prio)) return this.err(400, `Priority ${prio} is not defined for priority type PM`);
    const n: SapNotification = {
      ...b,
      MaintenanceNotification: String(this.next++).padStart(12, '0').slice(-12),
      NotificationText: text,
      NotificationType: String(b.NotificationType ?? 'M1'),
      MaintPriority: prio,
      MaintNotifExtReferenceNumber: ref,
      NotifProcessingPhase: '1',
      MaintNotificationLongText: String(b.MaintNotifLongTextForEdit ?? ''),
      LastChangeDateTime: '',
      LastChangedByUser: '',
    };
    delete n.MaintNotifLongTextForEdit;
    this.stamp(n, this.o.username.toUpperCase());
    this.notifications.push(n);
    if (this.consumeLoss()) return 'lost';
    return { status: 201, headers: { location: `${this.url}${PATH}('${n.MaintenanceNotification}')` }, body: { d: n } };
  }
}
