/**
 * The scans and searches each WebSocket client has running. A job is counted from the call
 * that starts it until its end event, so that the limits hold while a start is in flight and
 * while a stopped job winds down; a client that goes away has its jobs stopped.
 */
import type { InspectorEvent } from '../api';
import { MAX_SCANS_PER_CONNECTION, MAX_SCANS_TOTAL, MAX_SEARCHES_PER_CONNECTION, MAX_SEARCHES_TOTAL } from './limits';

export type JobKind = 'scan' | 'search';

/** Ends of jobs not (yet) known here, kept in case their start's answer is still on its way. */
const EARLY_ENDS_KEPT = 256;

const LIMITS: Record<JobKind, { perConnection: number; total: number; plural: string }> = {
  scan: { perConnection: MAX_SCANS_PER_CONNECTION, total: MAX_SCANS_TOTAL, plural: 'scans' },
  search: { perConnection: MAX_SEARCHES_PER_CONNECTION, total: MAX_SEARCHES_TOTAL, plural: 'searches' },
};

const STARTED_BY: Partial<Record<string, JobKind>> = { startScan: 'scan', pageIn: 'scan', startSearch: 'search' };

/** The kind of job a method starts, if it starts one. */
export function jobKindOf(method: unknown): JobKind | undefined {
  return typeof method === 'string' ? STARTED_BY[method] : undefined;
}

/** A start refused by a limit: EBUSY, saying which limit. */
export class JobLimitError extends Error {
  readonly code = 'EBUSY';

  constructor(message: string) {
    super(message);
    this.name = 'ServerBusy';
  }
}

interface Owner {
  counts: Record<JobKind, number>;
  /** Started jobs by id. */
  jobs: Map<string, JobKind>;
  gone: boolean;
}

/** A counted job whose start call has not answered yet. */
export interface JobSlot {
  /** The start answered with this job id. */
  started(id: string): void;
  /** The start failed: nothing runs. */
  abandon(): void;
}

export class JobTracker<Client extends object> {
  private readonly owners = new Map<Client, Owner>();
  private readonly ownerOf = new Map<string, Owner>();
  private readonly totals: Record<JobKind, number> = { scan: 0, search: 0 };
  private readonly earlyEnds = new Set<string>();

  /** `stop` asks the api to stop a job (stopScan or stopSearch). */
  constructor(private readonly stop: (kind: JobKind, id: string) => void) {}

  /** Counts a job about to start for `client`, or throws JobLimitError. */
  reserve(client: Client, kind: JobKind): JobSlot {
    const owner = this.owner(client);
    const limit = LIMITS[kind];
    if (owner.counts[kind] >= limit.perConnection) {
      throw new JobLimitError(`too many ${limit.plural} running on this connection (limit ${limit.perConnection}): stop one or wait for one to end`);
    }
    if (this.totals[kind] >= limit.total) {
      throw new JobLimitError(`too many ${limit.plural} running on this server (limit ${limit.total}): try again when one ends`);
    }
    owner.counts[kind]++;
    this.totals[kind]++;
    let settled = false;
    return {
      started: (id) => {
        if (settled) return;
        settled = true;
        if (this.earlyEnds.delete(id)) return this.release(owner, kind);
        owner.jobs.set(id, kind);
        this.ownerOf.set(id, owner);
        if (owner.gone) this.stop(kind, id);
      },
      abandon: () => {
        if (settled) return;
        settled = true;
        this.release(owner, kind);
      },
    };
  }

  /** Feed every api event here: end events free their job's slot. */
  onEvent(event: InspectorEvent): void {
    const id = event.type === 'end' ? event.scanId : event.type === 'search-end' ? event.searchId : undefined;
    if (id === undefined) return;
    const owner = this.ownerOf.get(id);
    if (!owner) {
      this.earlyEnds.add(id);
      if (this.earlyEnds.size > EARLY_ENDS_KEPT) this.earlyEnds.delete(this.earlyEnds.values().next().value!);
      return;
    }
    const kind = owner.jobs.get(id)!;
    owner.jobs.delete(id);
    this.ownerOf.delete(id);
    this.release(owner, kind);
  }

  /** The client went away: stop its jobs (they stay counted until they end). */
  forget(client: Client): void {
    const owner = this.owners.get(client);
    if (!owner) return;
    owner.gone = true;
    this.owners.delete(client);
    for (const [id, kind] of owner.jobs) this.stop(kind, id);
  }

  /** Jobs counted now, started or starting. */
  running(): Record<JobKind, number> {
    return { ...this.totals };
  }

  private owner(client: Client): Owner {
    let owner = this.owners.get(client);
    if (!owner) {
      owner = { counts: { scan: 0, search: 0 }, jobs: new Map(), gone: false };
      this.owners.set(client, owner);
    }
    return owner;
  }

  private release(owner: Owner, kind: JobKind): void {
    owner.counts[kind]--;
    this.totals[kind]--;
  }
}
