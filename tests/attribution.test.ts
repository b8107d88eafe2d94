import type { AuditRecord } from "@filegate/core/audit";
import type { LocalStack } from "@filegate/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiOf, grantFrom, send } from "./helpers/attest";
import { startInProcessStack } from "./helpers/in-process";

/**
 * Honest attribution: an event is linked to a person only when the evidence S3 gives (time,
 * requester IP, the grants valid then) singles one grant out.
 */
let stack: LocalStack;
let api: ReturnType<typeof apiOf>;

beforeAll(async () => {
  stack = await startInProcessStack({ jobIntervalMs: 0 });
  api = apiOf(stack);
});
afterAll(async () => {
  await stack?.stop();
});

async function history(tenant: string, key: string): Promise<AuditRecord[]> {
  const answer = await api.call("GET", `/audit?key=${key}`, await api.bearer(tenant, "auditor"));
  expect(answer.status).toBe(200);
  return answer.body.items as AuditRecord[];
}

async function uploaded(tenant: string, key: string) {
  expect((await send(await api.grant("PUT", tenant, key, "alice"), "contents")).status).toBe(200);
  await stack.bridge.idle();
}

describe("attribution of deletes", () => {
  it("names the user who deleted, not one who took a delete URL from elsewhere and never used it", async () => {
    await uploaded("pair", "report.txt");
    const alice = await api.grant("DELETE", "pair", "report.txt", "alice");
    const bob = (await api.bearer("pair", "bob")).Authorization;
    await grantFrom("127.0.0.2", `${stack.state.apiUrl}/files/report.txt`, "DELETE", bob);
    expect((await send(alice)).status).toBe(204);
    await stack.bridge.idle();
    const removal = (await history("pair", "report.txt")).find(
      (r) => r.kind === "event" && r.action === "delete",
    );
    expect(removal).toMatchObject({ attribution: "recent-grant", actor: "alice" });
  });

  it("names nobody when two grants fit the evidence equally: ambiguous, with both candidates", async () => {
    await uploaded("twins", "report.txt");
    const alice = await api.grant("DELETE", "twins", "report.txt", "alice");
    await api.grant("DELETE", "twins", "report.txt", "bob");
    expect((await send(alice)).status).toBe(204);
    await stack.bridge.idle();
    const records = await history("twins", "report.txt");
    const grants = records
      .filter((r) => r.kind === "grant" && r.action === "delete")
      .map((r) => r.id);
    const removal = records.find((r) => r.kind === "event" && r.action === "delete");
    expect(removal).toMatchObject({ attribution: "ambiguous", actor: null });
    expect(removal?.candidates?.sort()).toEqual(grants.sort());
    expect(removal?.grantId).toBeUndefined();
  });
});

describe("superseded upload intents", () => {
  it("settle within their own event when their upload was replaced first, and release the room", async () => {
    const auth = await api.bearer("race", "alice");
    const created = await api.call("POST", "/uploads", auth, {
      key: "doc.txt",
      size: 5,
      contentType: "text/plain",
    });
    expect(created.status).toBe(201);
    expect((await api.usage("race")).reserved).toEqual({ bytes: 5, objects: 1 });
    // Hold the intent's event back until a plain PUT has replaced its object.
    const held: Array<[string, string | undefined]> = [];
    const deliver = stack.bridge.send.bind(stack.bridge);
    stack.bridge.send = (body: string, id?: string) => void held.push([body, id]);
    expect((await send(created.body.upload, "hello")).status).toBe(200);
    stack.bridge.send = deliver;
    expect((await send(await api.grant("PUT", "race", "doc.txt", "bob"), "replaced!")).status).toBe(
      200,
    );
    await stack.bridge.idle();
    for (const [body, id] of held) deliver(body, id);
    await stack.bridge.idle();

    const intent = await api.call("GET", `/uploads/${created.body.id}`, auth);
    expect(intent.body.status).toBe("superseded");
    expect((await api.usage("race")).reserved).toEqual({ bytes: 0, objects: 0 });
    expect((await api.usage("race")).used).toEqual({ bytes: 9, objects: 1 });
    const records = await history("race", "doc.txt");
    const first = records.find((r) => r.kind === "event" && r.size === 5);
    expect(first).toMatchObject({ attribution: "recent-grant", actor: "alice" });
  });
});
