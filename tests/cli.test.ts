import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILEGATE_BIN, filegate } from "./helpers/cli";
import { eventually, ROOT, type RunningStack, run, startStack } from "./helpers/stack";

/**
 * The `filegate` command line against the local stack: what it prints (for people and, with
 * --json, for scripts), what it does to files, and the exit codes it promises.
 */
let stack: RunningStack;
let scratch: string;
let env: Record<string, string>;

beforeAll(async () => {
  stack = await startStack();
  scratch = await mkdtemp(join(tmpdir(), "filegate-cli-"));
  // The URL comes from the stack's local.json, the token from the environment.
  env = {
    FILEGATE_DIR: stack.dir,
    FILEGATE_URL: "",
    FILEGATE_TOKEN: await stack.token("acme", "alice"),
  };
});
afterAll(async () => {
  await stack?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const cli = (args: string[], extra: { env?: Record<string, string>; input?: string } = {}) =>
  filegate(args, { env: { ...env, ...extra.env }, cwd: scratch, input: extra.input });

function json<T>(result: { code: number | null; stdout: string; stderr: string }): T {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** Files with names that break naive URL handling, relative to the tree's root. */
const TREE: Record<string, Buffer> = {
  "plain.txt": Buffer.from("plain\n"),
  "with space/a b  c.txt": Buffer.from("spaces"),
  "plus+sign/1+1=2.txt": Buffer.from("plus"),
  "percent%20/100% done %41.txt": Buffer.from("percent"),
  "ünïcødé/日本語/😀 smile.bin": randomBytes(1000),
  "punct/it's (1)!,;&=@$.txt": Buffer.from("punctuation"),
  "d1/d2/d3/d4/d5/d6/d7/d8/d9/deep.txt": Buffer.from("deep"),
  "empty.txt": Buffer.alloc(0),
  "large/random.bin": randomBytes(3 * 1024 * 1024 + 5),
};

describe("a directory tree through the CLI", () => {
  it("puts a tree with odd names, lists it, gets it back byte for byte, and removes it", async () => {
    const source = join(scratch, "tree");
    for (const [name, bytes] of Object.entries(TREE)) {
      await mkdir(dirname(join(source, name)), { recursive: true });
      await writeFile(join(source, name), bytes);
    }
    const expectedKeys = Object.keys(TREE)
      .map((name) => `odd/${name}`)
      .sort();

    const put = json<{ file: string; key: string; size: number; error?: unknown }[]>(
      await cli(["put", "tree", "odd", "--json", "--concurrency", "3"]),
    );
    expect(put.map((r) => r.key).sort()).toEqual(expectedKeys);
    expect(put.filter((r) => r.error)).toEqual([]);

    const listed = json<{ key: string; size: number; contentType: string }[]>(
      await cli(["ls", "odd/", "--json"]),
    );
    expect(listed.map((f) => f.key).sort()).toEqual(expectedKeys);
    for (const file of listed) {
      expect(file.size, file.key).toBe(TREE[file.key.slice("odd/".length)]?.length);
    }
    expect(listed.find((f) => f.key === "odd/plain.txt")?.contentType).toBe("text/plain");

    const get = await cli(["get", "-r", "odd/", "back"]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout.trim().split("\n")).toHaveLength(expectedKeys.length);
    for (const [name, bytes] of Object.entries(TREE)) {
      expect((await readFile(join(scratch, "back", name))).equals(bytes), name).toBe(true);
    }

    const removed = json<{ key: string; deleted: boolean }[]>(
      await cli(["rm", "--json", ...expectedKeys]),
    );
    expect(
      removed
        .filter((r) => r.deleted)
        .map((r) => r.key)
        .sort(),
    ).toEqual(expectedKeys);
    expect(json(await cli(["ls", "odd/", "--json"]))).toEqual([]);
  });

  it("prints one plain line per transfer when the output is not a terminal", async () => {
    await writeFile(join(scratch, "note.txt"), "a note\n");
    const put = await cli(["put", "note.txt", "notes/"]);
    expect(put).toMatchObject({ code: 0, stderr: "" });
    expect(put.stdout).toBe("uploaded note.txt → notes/note.txt (7 B)\n");

    const ls = await cli(["ls", "notes/"]);
    expect(ls.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+7 {2}notes\/note\.txt\n$/);

    const get = await cli(["get", "notes/note.txt", "-"]);
    expect(get).toMatchObject({ code: 0, stdout: "a note\n" });
  });

  it("draws progress bars on a terminal", async () => {
    await writeFile(join(scratch, "bar.bin"), randomBytes(8 * 1024 * 1024));
    // `script` gives the command a pseudo-terminal, as an interactive shell would.
    const line = [FILEGATE_BIN, "put", "bar.bin", "bars/bar.bin"].map((a) => `'${a}'`).join(" ");
    // CI runners set CI, which turns bars off (see below): this terminal is not one of them.
    const result = await run("script", ["-qec", line, "/dev/null"], {
      env: { ...env, CI: "" },
      cwd: scratch,
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/█+░*\s+\d+% \| [\d.]+ [KM]iB \/ 8\.0 MiB \| bars\/bar\.bin/);
    expect(result.stdout).toContain("uploaded bar.bin → bars/bar.bin (8.0 MiB)");
  });

  it("prints plain lines on a terminal when CI is set, as CI logs want", async () => {
    await writeFile(join(scratch, "ci.bin"), randomBytes(1024 * 1024));
    const line = [FILEGATE_BIN, "put", "ci.bin", "bars/ci.bin"].map((a) => `'${a}'`).join(" ");
    const result = await run("script", ["-qec", line, "/dev/null"], {
      env: { ...env, CI: "true" },
      cwd: scratch,
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).not.toMatch(/[█░]/);
    expect(result.stdout.replace(/\r/g, "")).toBe("uploaded ci.bin → bars/ci.bin (1.0 MiB)\n");
  });
});

describe("--json for scripts", () => {
  it("prints head, history and audit as JSON", async () => {
    await cli(["put", "-", "json/data.json", "--content-type", "application/json"], {
      input: '{"a":1}',
    });
    const head = json<Record<string, unknown>>(await cli(["head", "json/data.json", "--json"]));
    expect(head).toMatchObject({ key: "json/data.json", size: 7, contentType: "application/json" });

    // The journal records S3's event just after the index shows the file.
    const history = await eventually(async () => {
      const records = json<{ kind: string; action: string; actor: string }[]>(
        await cli(["history", "json/data.json", "--json"]),
      );
      return records.length === 2 ? records : undefined;
    });
    expect(history.map((r) => `${r.kind}:${r.action}:${r.actor}`)).toEqual([
      "grant:write:alice",
      "event:write:alice",
    ]);

    const audit = json<{ key: string; action: string }[]>(
      await cli(["audit", "--action", "write", "--key", "json/data.json", "--json"]),
    );
    expect(audit).toHaveLength(2);
    expect(audit.every((r) => r.action === "write" && r.key === "json/data.json")).toBe(true);
  });

  it("reports usage, or says the API has none (exit 3) with a JSON error", async () => {
    const result = await cli(["usage", "--json"]);
    if (result.code === 0) {
      expect(JSON.parse(result.stdout)).toMatchObject({ tenant: "acme" });
    } else {
      expect(result.code).toBe(3);
      expect(result.stdout).toBe("");
      expect(JSON.parse(result.stderr)).toMatchObject({
        error: { status: 404, code: "not_found" },
      });
    }
  });
});

describe("exit codes", () => {
  it("3 for a file that does not exist", async () => {
    for (const args of [
      ["head", "missing.txt"],
      ["get", "missing.txt", "-"],
      ["rm", "missing.txt"],
    ]) {
      const result = await cli(args);
      expect(result.code, args.join(" ")).toBe(3);
      expect(result.stderr).toMatch(/^filegate: .*(No such file|not found)/i);
    }
  });

  it("4 for a refused token (401) or a missing right (403)", async () => {
    const refused = await cli(["ls", "--token", "not-a-jwt"]);
    expect(refused.code).toBe(4);
    // API Gateway's 401, with the reason from its WWW-Authenticate challenge.
    expect(refused.stderr).toContain("Unauthorized: the token is malformed");
    expect((await cli(["audit", "--tenant", "*"])).code).toBe(4);
  });

  it("5 when a create-only upload finds the file", async () => {
    await writeFile(join(scratch, "once.txt"), "once");
    expect((await cli(["put", "once.txt", "--create-only"])).code).toBe(0);
    const again = await cli(["put", "once.txt", "--create-only", "--json"]);
    expect(again.code).toBe(5);
    expect(JSON.parse(again.stdout)).toEqual([
      expect.objectContaining({ key: "once.txt", error: expect.objectContaining({ status: 412 }) }),
    ]);
  });

  it("2 for a bad command line or missing configuration", async () => {
    expect((await cli(["frobnicate"])).code).toBe(2);
    expect((await cli(["get"])).code).toBe(2);
    expect((await cli(["put", "x", "--concurrency", "0"])).code).toBe(2);
    expect((await cli(["put", "no-such-file.txt"])).code).toBe(2);
    const nowhere = await mkdtemp(join(tmpdir(), "filegate-nowhere-"));
    const unconfigured = await filegate(["ls"], {
      env: { FILEGATE_DIR: nowhere, FILEGATE_URL: "", FILEGATE_TOKEN: "" },
      cwd: nowhere,
    });
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toContain("No API URL");
    expect((await cli(["--help"])).code).toBe(0);
  });

  it("2 for a key the client or the API refuses", async () => {
    // Refused before sending (fetch would rewrite it), then by the API (a control character).
    for (const key of ["a//b.txt", "a/../b.txt", "bad\u0001key.txt"]) {
      const result = await cli(["get", key, "-"]);
      expect(result.code, `${key}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/^filegate: .*Invalid key/);
    }
  });
});

describe("listing", () => {
  it("says so when the tenant has no files, on stderr, and exits 0", async () => {
    const empty = { FILEGATE_TOKEN: await stack.token("vacant", "alice") };
    const all = await cli(["ls"], { env: empty });
    expect(all).toMatchObject({ code: 0, stdout: "" });
    expect(all.stderr.trim()).toBe("no files yet");
    const under = await cli(["ls", "docs/"], { env: empty });
    expect(under).toMatchObject({ code: 0, stdout: "" });
    expect(under.stderr.trim()).toBe("no files under docs/");
    expect(json<unknown[]>(await cli(["ls", "--json"], { env: empty }))).toEqual([]);
  });
});

describe("configuration", () => {
  it("uses the local stack's URL and dev token when nothing else is given", async () => {
    await writeFile(join(scratch, "dev.txt"), "dev");
    const put = await cli(["put", "dev.txt"], { env: { FILEGATE_TOKEN: "" } });
    expect(put.code, put.stderr).toBe(0);
    const history = json<{ tenant: string; actor: string }[]>(
      await cli(["history", "dev.txt", "--json"], { env: { FILEGATE_TOKEN: "" } }),
    );
    expect(history[0]).toMatchObject({ tenant: "dev", actor: "developer" });
  });

  it("prefers flags to the environment, and the environment to local.json", async () => {
    const good = { url: stack.state.apiUrl, token: env.FILEGATE_TOKEN as string };
    const deadUrl = "http://127.0.0.1:9";
    const flags = await cli(["ls", "--json", "--url", good.url, "--token", good.token], {
      env: { FILEGATE_URL: deadUrl, FILEGATE_TOKEN: "bad" },
    });
    expect(flags.code, flags.stderr).toBe(0);
    const environment = await cli(["ls"], { env: { FILEGATE_URL: deadUrl } });
    expect(environment.code).toBe(1);
    expect(environment.stderr).toMatch(/failed/);
  });

  it("uses the dev token for the stack's URL under localhost too", async () => {
    const url = stack.state.apiUrl.replace("127.0.0.1", "localhost");
    expect(url).not.toBe(stack.state.apiUrl);
    const listed = await cli(["ls", "--json"], { env: { FILEGATE_URL: url, FILEGATE_TOKEN: "" } });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual(expect.any(Array));
  });

  it("never sends the local dev token to another server", async () => {
    const result = await cli(["ls"], {
      env: { FILEGATE_URL: "http://127.0.0.1:9", FILEGATE_TOKEN: "" },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("No token for http://127.0.0.1:9");
  });

  it("issues local tokens with scopes, printing only the token", async () => {
    const token = await cli([
      "token",
      "--tenant",
      "ops",
      "--sub",
      "auditor",
      "--scope",
      "audit:read:all",
    ]);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const everyone = await cli(["audit", "--tenant", "*", "--json"], {
      env: { FILEGATE_TOKEN: token.stdout.trim() },
    });
    const records = json<{ tenant: string }[]>(everyone);
    expect(new Set(records.map((r) => r.tenant))).toEqual(new Set(["acme", "dev"]));
  });

  it("resolves as npx filegate at the repository root", async () => {
    const result = await run("npx", ["filegate", "--version"], { cwd: ROOT });
    expect(result).toMatchObject({ code: 0, stdout: "0.1.0\n" });
  });
});
