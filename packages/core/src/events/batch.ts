import { Errors } from "../errors";
import { admitBatch } from "./admission";
import { backoff } from "./commit";
import {
  type BatchEntry,
  type IngestDeps,
  type IngestResult,
  type Located,
  locateRecord,
  prepare,
  resultOf,
  settle,
} from "./ingest";
import type { S3EventRecord } from "./notification";
import { type PlannedEvent, type PreparedEvent, planEvent, rounds } from "./plan";
import { type Seen, stateId } from "./seen";

/** Reads and writes of one round before its events are given up (and retried by the queue). */
const MAX_ATTEMPTS = 6;

/**
 * Applies one S3 event record to the index, the audit journal and the tenant's usage: a
 * batch of one ({@link ingestBatch}). Throws when the record cannot be processed (then it
 * must be retried).
 */
export async function ingestRecord(record: S3EventRecord, deps: IngestDeps): Promise<IngestResult> {
  const [entry] = await ingestBatch([record], deps);
  if (!entry || "error" in entry) throw entry?.error;
  return entry.result;
}

/**
 * Applies a batch of S3 event records to the index, the audit journal and the tenants' usage.
 *
 * - A created or removed event changes a file's state only if it is newer (by sequencer)
 *   than what the index holds; a repeat is a no-op; a removal leaves a tombstone.
 * - A created object is verified ({@link IngestDeps.verify}): admitted, it becomes the
 *   tenant's file; otherwise it is quarantined: kept in S3, out of the listing and the API.
 * - Every event gets one audit record (late ones marked stale), linked to the grant behind it.
 * - Usage moves once per event, summed per tenant, in the same transaction as the states
 *   and records ({@link EventCommitter}); only the call that closes an upload intent
 *   releases its reservation.
 *
 * The whole batch costs one read and one write of the table per round (events of one file
 * beyond the first take another round). Objects outside the tenant layout, other buckets
 * and other event types are skipped. A record that cannot be processed gets an `error`.
 */
export async function ingestBatch(
  records: readonly S3EventRecord[],
  deps: IngestDeps,
): Promise<BatchEntry[]> {
  const entries: BatchEntry[] = new Array(records.length);
  const located: Located[] = [];
  for (const [at, record] of records.entries()) {
    try {
      const place = locateRecord(record, at, deps.bucket);
      if ("outcome" in place) entries[at] = { result: place };
      else located.push(place);
    } catch (error) {
      entries[at] = { error };
    }
  }
  // The table is read while S3 is asked about the objects: what it holds depends on nothing
  // S3 says. (A change in between fails the write's conditions, and the round reads again.)
  // The same read brings the tenants' limits, which verification wants. It reads the files'
  // states only: which journal records exist is asked when the states say it may matter
  // (`withRecordsOfRepeats`).
  const tenants = [...new Set(located.map((place) => place.tenant))];
  const read =
    located.length > 0 ? deps.commits.read(located, tenants, { records: false }) : undefined;
  if (read)
    deps.limitsRead?.(
      tenants,
      read.then((seen) => seen.limits),
    );
  const prefetch = read?.catch(() => undefined);
  const events: PreparedEvent[] = [];
  await Promise.all(
    located.map(async (place) => {
      try {
        events.push(await prepare(records[place.at] as S3EventRecord, place, deps));
      } catch (error) {
        entries[place.at] = { error };
      }
    }),
  );
  for (const [event, error] of await admitBatch(events, deps.accounts)) {
    entries[event.at] = { error };
    events.splice(events.indexOf(event), 1);
  }
  const seen = await prefetch;
  for (const [n, round] of rounds(events).entries()) {
    try {
      await commitAndSettle(round, records, entries, deps, n === 0 ? seen : undefined);
    } catch (error) {
      if (round.length === 1) {
        entries[round[0]?.at ?? 0] = { error };
        continue;
      }
      // Whatever broke the round's write, it fails only the events it belongs to.
      for (const event of round) {
        await commitAndSettle([event], records, entries, deps).catch((alone: unknown) => {
          entries[event.at] = { error: alone };
        });
      }
    }
  }
  return entries;
}

/** Commits a round, then settles the upload intents its objects fulfil. */
async function commitAndSettle(
  round: PreparedEvent[],
  records: readonly S3EventRecord[],
  entries: BatchEntry[],
  deps: IngestDeps,
  seen?: Seen,
): Promise<void> {
  for (const plan of await commitRound(round, deps, seen)) {
    await settle(deps, plan.event.tenant, {
      item: undefined,
      recorded: false,
      verdict: plan.event.verdict,
    });
    entries[plan.event.at] = { result: resultOf(records[plan.event.at], plan) };
  }
}

/**
 * Reads, plans and writes one round until every event is committed (or gives up). `read`:
 * the files' states the table held a moment ago, for the first try.
 */
async function commitRound(
  events: PreparedEvent[],
  deps: Pick<IngestDeps, "commits">,
  read?: Seen,
): Promise<PlannedEvent[]> {
  const done: PlannedEvent[] = [];
  let pending = events;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt === MAX_ATTEMPTS) {
      throw Errors.serviceUnavailable("The files of these events kept changing; retry later");
    }
    if (attempt > 0) await backoff(attempt);
    const seen =
      attempt === 0 && read
        ? await withRecordsOfRepeats(pending, read, deps)
        : await deps.commits.read(pending);
    const plans = pending.map((event) => planEvent(event, seen));
    const retry = new Set(await deps.commits.write(plans));
    done.push(...plans.filter((plan) => !retry.has(plan)));
    pending = [...retry].map((plan) => plan.event);
  }
  return done;
}

/**
 * What the table holds for a round's first try: the states read with the batch, and the
 * journal records of the events those states make repeats or late ones (the same sequencer
 * as the file's state or an older one), which may be written already. An event newer than
 * its file's state has no record yet: its record is written with the state it applies. (If
 * one exists all the same, say a redelivery after the file's tombstone expired, the record's
 * `attribute_not_exists` cancels the write, and the next try reads every record.)
 */
async function withRecordsOfRepeats(
  events: readonly PreparedEvent[],
  read: Seen,
  deps: Pick<IngestDeps, "commits">,
): Promise<Seen> {
  const repeats = events.filter((event) => {
    const state = read.states.get(stateId(event.tenant, event.key));
    return state !== undefined && state.seq >= event.seq;
  });
  if (repeats.length === 0) return read;
  const { journaled } = await deps.commits.read(repeats, [], { states: false });
  return { ...read, journaled };
}
