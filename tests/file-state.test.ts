import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  createdState,
  deletedState,
  type StateUpdate,
  stateItemInput,
  stateUpdateInput,
  unchangedSince,
} from "@filegate/core/files";
import { type FileItem, fileListingKeys, fileStateKey } from "@filegate/core/table";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestTable } from "./helpers/table";

/**
 * A file's state change is declared once and written in two forms: an update (the
 * reconciler's repairs) and the whole item it leaves (event ingestion, which has just read
 * the item). On both emulators, each form must leave the very same item, whatever it replaces.
 */
const TENANT = "acme";
const KEY = "docs/report.pdf";
const NOW = new Date("2026-12-02T10:00:00.000Z");

function item(fields: Partial<FileItem>): FileItem {
  return {
    ...fileStateKey(TENANT, KEY),
    type: "file",
    tenant: TENANT,
    key: KEY,
    state: "present",
    seq: "0".repeat(47).concat("1"),
    eventTime: "2026-12-01T09:00:00.000Z",
    updatedAt: "2026-12-01T09:00:01.000Z",
    ...fields,
  };
}

const BEFORE: Record<string, FileItem | undefined> = {
  "no item": undefined,
  "a present file": item({
    size: 7,
    etag: "e7",
    contentType: "text/plain",
    ...fileListingKeys(TENANT, KEY),
  }),
  "a quarantined object": item({ state: "quarantined", size: 9, reason: "too large" }),
  "a tombstone": item({ state: "deleted", expiresAt: 1_800_000_000 }),
  "an item written without an update time": { ...item({ size: 3 }), updatedAt: undefined } as never,
};

const CHANGES: Record<string, StateUpdate> = {
  "created, present": createdState({
    tenant: TENANT,
    key: KEY,
    size: 52_431,
    etag: "9b2c",
    contentType: "application/pdf",
    eventTime: "2026-12-02T09:59:59.000Z",
  }),
  "created, quarantined": createdState({
    tenant: TENANT,
    key: KEY,
    size: 11,
    etag: "ab",
    contentType: "image/png",
    eventTime: "2026-12-02T09:59:59.000Z",
    state: "quarantined",
    reason: "its content type image/png is not allowed",
  }),
  deleted: deletedState({ eventTime: "2026-12-02T09:59:59.000Z" }, NOW, 3600),
};

describe.each(["dynalite", "local"] as const)("a file's state change on %s", (engine) => {
  let table: Awaited<ReturnType<typeof startTestTable>>;

  beforeAll(async () => {
    table = await startTestTable(`state-${engine}`, engine);
  }, 120_000);
  afterAll(async () => table?.stop());

  const stateKey = fileStateKey(TENANT, KEY);
  const read = async () =>
    (
      await table.doc.send(
        new GetCommand({ TableName: table.tableName, Key: stateKey, ConsistentRead: true }),
      )
    ).Item as FileItem | undefined;

  /** The item `write` leaves over `before`, given the item as read. */
  async function leaves(
    before: FileItem | undefined,
    write: (seen: FileItem | undefined) => Promise<unknown>,
  ): Promise<FileItem | undefined> {
    await table.doc.send(new DeleteCommand({ TableName: table.tableName, Key: stateKey }));
    if (before) await table.doc.send(new PutCommand({ TableName: table.tableName, Item: before }));
    await write(await read());
    return await read();
  }

  for (const [beforeName, before] of Object.entries(BEFORE)) {
    for (const [changeName, update] of Object.entries(CHANGES)) {
      it(`${changeName}, over ${beforeName}: the update and the whole item leave the same item`, async () => {
        const seq = "0".repeat(46).concat("FF");
        const write = {
          tableName: table.tableName,
          tenant: TENANT,
          key: KEY,
          seq,
          update,
          now: NOW,
        };
        const updated = await leaves(before, (seen) =>
          table.doc.send(
            new UpdateCommand(stateUpdateInput({ ...write, ...unchangedSince(seen) })),
          ),
        );
        const put = await leaves(before, (seen) =>
          table.doc.send(
            new PutCommand(stateItemInput({ ...write, seen, ...unchangedSince(seen) })),
          ),
        );
        expect(put).toEqual(updated);
        expect(updated).toMatchObject({
          seq,
          state: update.set.state,
          prevState: before?.state ?? "none",
        });
      });
    }
  }

  it("refuses the whole item when the item changed since it was read, as the update does", async () => {
    const before = BEFORE["a present file"] as FileItem;
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: before }));
    const changed = { ...before, updatedAt: "2026-12-01T09:30:00.000Z" };
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: changed }));
    const write = {
      tableName: table.tableName,
      tenant: TENANT,
      key: KEY,
      seq: "0".repeat(46).concat("FF"),
      update: CHANGES.deleted as StateUpdate,
      now: NOW,
      ...unchangedSince(before),
    };
    await expect(
      table.doc.send(new PutCommand(stateItemInput({ ...write, seen: before }))),
    ).rejects.toMatchObject({ name: "ConditionalCheckFailedException" });
    await expect(table.doc.send(new UpdateCommand(stateUpdateInput(write)))).rejects.toMatchObject({
      name: "ConditionalCheckFailedException",
    });
  });
});
