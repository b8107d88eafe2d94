import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { AuditRecord } from "@filegate/core/audit";
import type { LocalStack } from "@filegate/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3ClientFor, startInProcessStack } from "./helpers/in-process";
import { checkedFetch } from "./helpers/openapi";
import { ROOT, run } from "./helpers/stack";

/**
 * A scripted day of two tenants: uploads, overwrites, reads and deletes by several people,
 * an upload behind the service's back and a late S3 event. The stack runs in this process so
 * the test can wait for the event bridge and inject the late event.
 */
let stack: LocalStack;
let api: string;
const published: string[] = [];
const marks: Record<string, string> = {};
const OPERATOR = { tenant: "ops", sub: "auditor", scope: "audit:read:all" };

async function bearer(tenant: string, sub: string, scope?: string) {
  return { Authorization: `Bearer ${await stack.token({ tenant, sub, scope })}` };
}

async function grant(
  tenant: string,
  sub: string,
  method: string,
  key: string,
  headers: Record<string, string> = {},
) {
  const response = await checkedFetch(api)(`${api}/files/${key}`, {
    method,
    headers: {
      ...(await bearer(tenant, sub)),
      ...headers,
      Accept: "application/json",
      "User-Agent": `test/${sub}`,
    },
  });
  expect(response.status, `${method} ${key}`).toBe(200);
  return (await response.json()) as {
    url: string;
    method: string;
    headers: Record<string, string>;
  };
}

async function upload(
  tenant: string,
  sub: string,
  key: string,
  body: string,
  headers: Record<string, string> = {},
) {
  const g = await grant(tenant, sub, "PUT", key, headers);
  expect(
    (await fetch(g.url, { method: "PUT", headers: g.headers, body: new Blob([body]) })).status,
  ).toBe(200);
  await stack.bridge.idle();
}

async function download(tenant: string, sub: string, key: string) {
  const g = await grant(tenant, sub, "GET", key);
  expect((await fetch(g.url)).status).toBe(200);
}

async function remove(tenant: string, sub: string, key: string) {
  const g = await grant(tenant, sub, "DELETE", key);
  expect((await fetch(g.url, { method: "DELETE" })).status).toBe(204);
  await stack.bridge.idle();
}

async function audit(auth: Record<string, string>, params: Record<string, string>) {
  const records: AuditRecord[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query = new URLSearchParams({ ...params, ...(cursor ? { cursor } : {}) });
    const response = await checkedFetch(api)(`${api}/audit?${query}`, { headers: auth });
    expect(response.status, await response.clone().text()).toBe(200);
    const page = (await response.json()) as { items: AuditRecord[]; cursor: string | null };
    records.push(...page.items);
    cursor = page.cursor;
    pages++;
  } while (cursor && pages < 100);
  return { records, pages };
}

const summary = (records: AuditRecord[]) =>
  records.map(
    (r) =>
      `${r.kind}:${r.action}:${r.actor ?? "-"}${r.stale ? ":stale" : ""}${r.attribution ? `:${r.attribution}` : ""}`,
  );
const byTime = (a: AuditRecord, b: AuditRecord) =>
  `${a.time}#${a.id}` < `${b.time}#${b.id}` ? -1 : 1;

beforeAll(async () => {
  stack = await startInProcessStack();

  api = stack.state.apiUrl;
  const send = stack.bridge.send.bind(stack.bridge);
  stack.bridge.send = (body: string, id?: string) => {
    published.push(body);
    send(body, id);
  };

  await upload("acme", "alice", "report.txt", "v1", { "Content-Type": "text/plain" });
  await upload("globex", "mallory", "plan.txt", "world domination");
  await upload("acme", "bob", "report.txt", "v2, by bob");
  marks.afterOverwrite = new Date().toISOString();
  await download("acme", "carol", "report.txt");
  await upload("acme", "bob", "notes.md", "# notes", { "If-None-Match": "*" });
  await upload("acme", "alice", "docs/hello.txt", "hello");
  marks.beforeSneaky = new Date().toISOString();
  await download("globex", "trent", "plan.txt");
  const s3 = s3ClientFor(stack.state);
  await s3.send(
    new PutObjectCommand({ Bucket: stack.state.bucket, Key: "tenants/acme/sneaky.bin", Body: "x" }),
  );
  await stack.bridge.idle();
  await remove("acme", "alice", "report.txt");
  await remove("globex", "mallory", "plan.txt");

  // A late event: an overwrite of report.txt that S3 ordered between alice's and bob's
  // uploads, delivered only now. It must be recorded as stale and change nothing.
  const first = JSON.parse(published[0] as string);
  const second = JSON.parse(published[2] as string);
  const late = structuredClone(first);
  const between = (BigInt(`0x${first.Records[0].s3.object.sequencer}`) + 1n)
    .toString(16)
    .toUpperCase();
  expect(BigInt(`0x${between}`)).toBeLessThan(BigInt(`0x${second.Records[0].s3.object.sequencer}`));
  late.Records[0].s3.object.sequencer = between;
  late.Records[0].s3.object.eTag = "0123456789abcdef0123456789abcdef";
  late.Records[0].eventTime = new Date(Date.parse(first.Records[0].eventTime) + 1).toISOString();
  stack.bridge.send(JSON.stringify(late));
  // And a plain duplicate of bob's upload: it must add nothing.
  stack.bridge.send(published[2] as string);
  await stack.bridge.idle();
});
afterAll(async () => {
  await stack?.stop();
});

describe("a file's history", () => {
  it("lists every grant and event of the file in order, with actors attributed", async () => {
    const { records } = await audit(await bearer("acme", "carol"), { key: "report.txt" });
    expect(summary(records)).toEqual([
      "grant:write:alice",
      "event:write:alice:metadata",
      // Its object was replaced before it could be read, and two write grants were valid
      // then: nobody is named.
      "event:write:-:stale:ambiguous",
      "grant:write:bob",
      "event:write:bob:metadata",
      "grant:read:carol",
      "grant:delete:alice",
      "event:delete:alice:recent-grant",
    ]);
    expect(records.map((r) => r.time)).toEqual([...records].sort(byTime).map((r) => r.time));
    const [aliceGrant, aliceEvent] = records;
    expect(aliceGrant).toMatchObject({
      tenant: "acme",
      key: "report.txt",
      requestId: expect.any(String),
      sourceIp: "127.0.0.1",
      userAgent: "test/alice",
      expiresAt: expect.stringMatching(/Z$/),
      conditions: { contentType: "text/plain", createOnly: false },
    });
    expect(aliceEvent).toMatchObject({
      event: "ObjectCreated:Put",
      size: 2,
      grantId: aliceGrant?.id,
      sequencer: expect.any(String),
    });
  });

  it("records create-only conditions and uploads that bypassed the API", async () => {
    const notes = await audit(await bearer("acme", "bob"), { key: "notes.md" });
    expect(notes.records[0]?.conditions).toEqual({ createOnly: true });
    const sneaky = await audit(await bearer("acme", "bob"), { key: "sneaky.bin" });
    expect(summary(sneaky.records)).toEqual(["event:write:-:none"]);
  });

  it("writes nothing new for a duplicate event", async () => {
    const { records } = await audit(await bearer("acme", "bob"), { key: "report.txt" });
    expect(records.filter((r) => r.actor === "bob" && r.kind === "event")).toHaveLength(1);
  });
});

describe("time-range queries", () => {
  let acme: AuditRecord[];
  let globex: AuditRecord[];

  beforeAll(async () => {
    const histories = async (tenant: string, keys: string[]) => {
      const auth = await bearer(OPERATOR.tenant, OPERATOR.sub, OPERATOR.scope);
      const all = await Promise.all(keys.map((key) => audit(auth, { tenant, key })));
      return all.flatMap((h) => h.records).sort(byTime);
    };
    acme = await histories("acme", ["report.txt", "notes.md", "docs/hello.txt", "sneaky.bin"]);
    globex = await histories("globex", ["plan.txt"]);
    expect(acme).toHaveLength(13);
    expect(globex).toHaveLength(5);
  });

  it("returns exactly a tenant's records, oldest first, across pages", async () => {
    const { records, pages } = await audit(await bearer("acme", "alice"), { limit: "2" });
    expect(records.map((r) => r.id)).toEqual(acme.map((r) => r.id));
    expect(pages).toBeGreaterThanOrEqual(7);
  });

  it("filters by actor, action and time", async () => {
    const auth = await bearer("acme", "alice");
    const alice = await audit(auth, { actor: "alice", limit: "1" });
    expect(alice.records.map((r) => r.id)).toEqual(
      acme.filter((r) => r.actor === "alice").map((r) => r.id),
    );
    expect(summary(alice.records)).toEqual([
      "grant:write:alice",
      "event:write:alice:metadata",
      "grant:write:alice",
      "event:write:alice:metadata",
      "grant:delete:alice",
      "event:delete:alice:recent-grant",
    ]);

    const deletes = await audit(auth, { action: "delete" });
    expect(summary(deletes.records)).toEqual([
      "grant:delete:alice",
      "event:delete:alice:recent-grant",
    ]);

    const window = await audit(auth, {
      from: marks.afterOverwrite as string,
      to: marks.beforeSneaky as string,
      limit: "3",
    });
    expect(window.records.map((r) => r.id)).toEqual(
      acme
        .filter(
          (r) =>
            r.time >= (marks.afterOverwrite as string) && r.time <= (marks.beforeSneaky as string),
        )
        .map((r) => r.id),
    );
    expect(window.records.length).toBeGreaterThan(0);
  });

  it("gives operators every tenant's records in time order", async () => {
    const auth = await bearer(OPERATOR.tenant, OPERATOR.sub, OPERATOR.scope);
    const everyone = await audit(auth, { tenant: "*", limit: "3" });
    expect(everyone.records.map((r) => r.id)).toEqual(
      [...acme, ...globex].sort(byTime).map((r) => r.id),
    );
    const one = await audit(auth, { tenant: "globex", limit: "2" });
    expect(one.records.map((r) => r.id)).toEqual(globex.map((r) => r.id));
    const deletes = await audit(auth, { tenant: "*", action: "delete", actor: "mallory" });
    expect(summary(deletes.records)).toEqual([
      "grant:delete:mallory",
      "event:delete:mallory:recent-grant",
    ]);
  });
});

describe("tenant isolation of the audit trail", () => {
  it("never shows one tenant another's records", async () => {
    const globex = await bearer("globex", "mallory");
    const own = await audit(globex, {});
    expect(own.records.every((r) => r.tenant === "globex")).toBe(true);
    expect((await audit(globex, { key: "report.txt" })).records).toEqual([]);
  });

  it("refuses tenant= without the audit:read:all scope, whatever the tenant", async () => {
    const globex = await bearer("globex", "mallory");
    for (const tenant of ["acme", "*", "globex"]) {
      const response = await checkedFetch(api)(
        `${api}/audit?tenant=${encodeURIComponent(tenant)}`,
        {
          headers: globex,
        },
      );
      expect(response.status, tenant).toBe(403);
    }
  });

  it("refuses a cursor from another tenant's query", async () => {
    const page = await checkedFetch(api)(`${api}/audit?limit=1`, {
      headers: await bearer("acme", "alice"),
    });
    const { cursor } = (await page.json()) as { cursor: string };
    const stolen = await checkedFetch(api)(`${api}/audit?limit=1&cursor=${cursor}`, {
      headers: await bearer("globex", "mallory"),
    });
    expect(stolen.status).toBe(400);
    const otherQuery = await checkedFetch(api)(
      `${api}/audit?limit=1&action=read&cursor=${cursor}`,
      {
        headers: await bearer("acme", "alice"),
      },
    );
    expect(otherQuery.status).toBe(400);
  });

  it("validates the query", async () => {
    const auth = await bearer("acme", "alice");
    for (const query of [
      "from=yesterday",
      "to=2026-13-01T00:00:00Z",
      "action=steal",
      "limit=0",
      "limit=5000",
      "key=..%2Fx",
      "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
    ]) {
      const response = await checkedFetch(api)(`${api}/audit?${query}`, { headers: auth });
      expect(response.status, query).toBe(400);
    }
    const operator = await bearer(OPERATOR.tenant, OPERATOR.sub, OPERATOR.scope);
    expect(
      (await checkedFetch(api)(`${api}/audit?tenant=*&key=a.txt`, { headers: operator })).status,
    ).toBe(400);
    expect(
      (await checkedFetch(api)(`${api}/audit?tenant=not%20a%20tenant`, { headers: operator }))
        .status,
    ).toBe(400);
  });
});

describe("the AWS CLI commands in docs/data-model.md", () => {
  // About 80 runs of the AWS CLI (one per shard of each sharded index), each a Python
  // start-up: slow, hence the long timeout.
  it("work as written against the local stack", async () => {
    const doc = await readFile(join(ROOT, "docs/data-model.md"), "utf8");
    const blocks = [
      ...doc.slice(doc.indexOf("## Access patterns")).matchAll(/```sh\n([\s\S]*?)```/g),
    ].map((m) => m[1] as string);
    const [setup, ...patterns] = blocks;
    // Patterns 1-8 (files, audit, uploads, tenants) and 9-11 (webhooks).
    expect(patterns).toHaveLength(11);
    // Only the endpoint is this stack's: the time window is the one the doc computes.
    expect(setup).toMatch(/^FROM=\$\(date /m);
    expect(setup).toMatch(/^TO=\$\(date /m);
    const env = (setup as string).replace(
      /^DDB=.*$/m,
      `DDB="--endpoint-url ${stack.state.dynamodb.endpoint}"`,
    );

    // The real AWS CLI when installed; otherwise the same requests through the SDK.
    const hasCli = (await run("bash", ["-c", "command -v aws"])).code === 0;
    const bin = await mkdtemp(join(tmpdir(), "filegate-aws-"));
    if (!hasCli) {
      await writeFile(
        join(bin, "aws"),
        `#!/bin/sh\nexec node ${join(ROOT, "tests/helpers/aws-shim.mjs")} "$@"\n`,
      );
      await chmod(join(bin, "aws"), 0o755);
    }
    const outputs: unknown[][] = [];
    for (const pattern of patterns) {
      const result = await run("bash", ["-euo", "pipefail", "-c", `${env}\n${pattern}`], {
        env: { PATH: `${bin}:${process.env.PATH}` },
      });
      expect(result.code, `${pattern}\n${result.stderr}`).toBe(0);
      // A loop prints one JSON document per shard.
      const text = result.stdout.trim();
      // get-item of a missing item prints nothing at all.
      const documents = (text === "" ? [] : [text])
        .flatMap((all) => all.split(/\n(?=\{)/))
        .map((document) => JSON.parse(document));
      outputs.push(documents);
    }
    type Attribute = { S?: string };
    type Output = { Item?: Record<string, Attribute>; Items?: Array<Record<string, Attribute>> };
    const [state, listing, history, tenantLog, allLog, intent, pending, tenant, ...hooks] =
      outputs as Output[][] as [
        Output[],
        Output[],
        Output[],
        Output[],
        Output[],
        Output[],
        Output[],
        Output[],
        ...Output[][],
      ];
    const items = (documents: Output[]) => documents.flatMap((d) => d.Items ?? []);
    const ids = (documents: Output[]) => items(documents).map((item) => item.id?.S);

    expect(state[0]?.Item?.state?.S).toBe("present");
    // Patterns 9-11 on this stack: acme has no webhook endpoint, attempt or queued message.
    expect(hooks.map((documents) => items(documents))).toEqual([[], [], []]);
    // Patterns 6-8 on this stack: no such intent, none pending, acme's usage counters.
    expect(intent).toEqual([]);
    expect(items(pending)).toEqual([]);
    // The Query finds acme's usage only, and the limits' get-item prints nothing: acme has
    // no limits of its own.
    expect(tenant).toHaveLength(1);
    expect(items(tenant).map((item) => item.sk?.S)).toEqual(["USAGE"]);
    expect(items(tenant)[0]?.objects).toEqual({ N: expect.any(String) });
    expect(items(listing).map((item) => item.key?.S)).toEqual(["docs/hello.txt"]);

    const auth = await bearer("acme", "alice");
    const apiHistory = await audit(auth, { key: "docs/hello.txt" });
    // One document per history partition (grants, events): the same records as the API's.
    expect(ids(history).sort()).toEqual(apiHistory.records.map((r) => r.id).sort());

    const apiAlice = await audit(auth, { actor: "alice" });
    expect(ids(tenantLog).sort()).toEqual(apiAlice.records.map((r) => r.id).sort());

    const operator = await bearer(OPERATOR.tenant, OPERATOR.sub, OPERATOR.scope);
    const apiAll = await audit(operator, { tenant: "*" });
    expect(ids(allLog).sort()).toEqual(apiAll.records.map((r) => r.id).sort());
  }, 600_000);
});
