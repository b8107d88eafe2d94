/**
 * Filegate's web flows as a page runs them. Every request goes through this page's own
 * `fetch`, so the browser applies its CORS rules (preflights, exposed headers) and its redirect
 * rules (no body resent, `Authorization` dropped on the way to another origin). Each flow logs
 * a line in the page and returns plain data; `filegate.run(name, config)` never throws: a
 * failure comes back as `{ok: false, error: {name, message}}` (a refused CORS check is a
 * `TypeError` from `fetch`).
 */

const logList = document.getElementById("log");
/** The flow running now and the tenant of its token, shown before each line it logs. */
let running = "";

function log(ok, line) {
  const item = document.createElement("li");
  item.className = ok ? "ok" : "fail";
  const flow = document.createElement("b");
  flow.textContent = running;
  item.append(flow, ` ${line}`);
  logList.append(item);
}

/** The tenant claim of a token, for the log (the page never verifies anything). */
function tenantOf(token) {
  try {
    const payload = token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
    return JSON.parse(atob(payload)).tenant ?? "?";
  } catch {
    return "?";
  }
}

/** The JSON body of an API answer; throws with the status and body when it is not a success. */
async function answered(response) {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.url} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const bearer = (config) => ({ Authorization: `Bearer ${config.token}` });
const filePath = (key) => `/files/${key.split("/").map(encodeURIComponent).join("/")}`;
const originOf = (url) => new URL(url).origin;

async function digest(blob) {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
  return {
    hex: Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join(""),
    base64: btoa(String.fromCharCode(...bytes)),
  };
}

/**
 * What a downloaded body holds: its size, digest, and its text when it is small. Downloads use
 * `cache: "no-store"`, so the bytes come from S3 each time, never from the browser's cache.
 */
async function contents(response) {
  const blob = await response.blob();
  const { hex } = await digest(blob);
  return { size: blob.size, sha256: hex, text: blob.size <= 4096 ? await blob.text() : null };
}

async function randomBlob(size, type) {
  const bytes = new Uint8Array(size);
  // getRandomValues fills at most 64 KiB per call.
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return new Blob([bytes], { type });
}

/** Polls `GET /uploads/{id}` while the upload is pending (S3's event has not been applied yet). */
async function settled(config, id) {
  for (const started = performance.now(); performance.now() - started < 10_000; ) {
    const response = await fetch(`${config.api}/uploads/${encodeURIComponent(id)}`, {
      headers: bearer(config),
    });
    const { status } = await answered(response);
    if (status !== "pending") return status;
    await sleep(25);
  }
  return "pending";
}

const flows = {
  /** Shows where the page, the API and S3 live. */
  async origins(config) {
    document.getElementById("origins").textContent =
      `page ${location.origin} · API ${config.api} · S3 ${config.s3}`;
    return { page: location.origin };
  },

  /** `GET /files?prefix=`: the tenant's listed keys. */
  async list(config) {
    const query = config.prefix ? `?prefix=${encodeURIComponent(config.prefix)}` : "";
    const response = await fetch(`${config.api}/files${query}`, { headers: bearer(config) });
    const body = await response.json();
    const keys = (body.items ?? []).map((item) => item.key);
    log(response.ok, `GET /files${query} → ${response.status}: ${keys.join(", ") || "no files"}`);
    return { status: response.status, keys, items: body.items ?? [] };
  },

  /** Lists until `key` is there (`present: true`) or gone, for at most 10 s. */
  async listUntil(config) {
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      const query = `?prefix=${encodeURIComponent(config.key)}`;
      const response = await fetch(`${config.api}/files${query}`, { headers: bearer(config) });
      const keys = ((await response.json()).items ?? []).map((item) => item.key);
      const ms = Math.round(performance.now() - started);
      if (keys.includes(config.key) === config.present || ms > 10_000) {
        const listed = keys.includes(config.key);
        log(
          listed === config.present,
          `GET /files${query} → ${config.key} ${listed ? "listed" : "not listed"} after ${attempt} look(s), ${ms} ms`,
        );
        return { status: response.status, listed, attempts: attempt, ms };
      }
      await sleep(25);
    }
  },

  /** `PUT /files/{key}` in the JSON form, then the presigned PUT with the answer's method and headers. */
  async putJson(config) {
    const grantResponse = await fetch(`${config.api}${filePath(config.key)}`, {
      method: "PUT",
      headers: {
        ...bearer(config),
        Accept: "application/json",
        "Content-Type": config.contentType,
      },
    });
    const grant = await answered(grantResponse);
    const upload = await fetch(grant.url, {
      method: grant.method,
      headers: grant.headers,
      body: new Blob([config.text], { type: config.contentType }),
    });
    log(
      upload.ok,
      `PUT ${filePath(config.key)} (JSON) → ${grantResponse.status}; ${grant.method} ${originOf(grant.url)} → ${upload.status}`,
    );
    return {
      grantStatus: grantResponse.status,
      grant: { method: grant.method, headers: grant.headers, origin: originOf(grant.url) },
      status: upload.status,
      etag: upload.headers.get("ETag"),
    };
  },

  /** `POST /uploads` with the SHA-256 computed here; the PUT carries exactly the intent's headers. */
  async intentUpload(config) {
    const blob = new Blob([config.text], { type: config.contentType });
    const sha256 = (await digest(blob)).base64;
    const created = await fetch(`${config.api}/uploads`, {
      method: "POST",
      headers: { ...bearer(config), "Content-Type": "application/json" },
      body: JSON.stringify({
        key: config.key,
        size: blob.size,
        contentType: config.contentType,
        sha256,
      }),
    });
    const intent = await answered(created);
    const upload = await fetch(intent.upload.url, {
      method: intent.upload.method,
      headers: intent.upload.headers,
      body: blob,
    });
    const status = await settled(config, intent.id);
    log(
      status === "committed",
      `POST /uploads (sha256 ${sha256.slice(0, 12)}…) → ${created.status}; PUT → ${upload.status}; upload ${status}`,
    );
    return {
      intentStatus: created.status,
      method: intent.method,
      sha256,
      headers: intent.upload.headers,
      signedHeaders: new URL(intent.upload.url).searchParams.get("X-Amz-SignedHeaders"),
      status: upload.status,
      upload: status,
    };
  },

  /** A multipart intent: random bytes made here, every part PUT at once, ETags from S3, complete. */
  async multipart(config) {
    const blob = await randomBlob(config.size, config.contentType);
    const { hex } = await digest(blob);
    const created = await fetch(`${config.api}/uploads`, {
      method: "POST",
      headers: { ...bearer(config), "Content-Type": "application/json" },
      body: JSON.stringify({ key: config.key, size: blob.size, contentType: config.contentType }),
    });
    const intent = await answered(created);
    let inFlight = 0;
    let mostInFlight = 0;
    const parts = await Promise.all(
      intent.parts.map(async (part) => {
        const start = (part.partNumber - 1) * intent.partSize;
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        try {
          const response = await fetch(part.url, {
            method: part.method,
            headers: part.headers,
            body: blob.slice(start, start + part.size),
          });
          return {
            partNumber: part.partNumber,
            status: response.status,
            etag: response.headers.get("ETag"),
          };
        } finally {
          inFlight--;
        }
      }),
    );
    const completeResponse = await fetch(
      `${config.api}/uploads/${encodeURIComponent(intent.id)}/complete`,
      {
        method: "POST",
        headers: { ...bearer(config), "Content-Type": "application/json" },
        body: JSON.stringify({
          parts: parts.map(({ partNumber, etag }) => ({ partNumber, etag })),
        }),
      },
    );
    const completed = await answered(completeResponse);
    const status = await settled(config, intent.id);
    log(
      status === "committed",
      `POST /uploads (${blob.size} bytes) → ${created.status} ${intent.method}; ${parts.length} parts, ${mostInFlight} at once → ${parts.map((part) => part.status).join(",")}; complete → ${completeResponse.status}; upload ${status}`,
    );
    return {
      intentStatus: created.status,
      method: intent.method,
      partSize: intent.partSize,
      partCount: intent.partCount,
      parts,
      mostInFlight,
      completeStatus: completeResponse.status,
      completed,
      upload: status,
      size: blob.size,
      sha256: hex,
    };
  },

  /** `GET /files/{key}` in the JSON form, then the presigned GET. */
  async downloadJson(config) {
    const grantResponse = await fetch(`${config.api}${filePath(config.key)}`, {
      headers: { ...bearer(config), Accept: "application/json" },
    });
    const grant = await answered(grantResponse);
    const response = await fetch(grant.url, {
      method: grant.method,
      headers: grant.headers,
      cache: "no-store",
    });
    const body = await contents(response);
    log(
      response.ok,
      `GET ${filePath(config.key)} (JSON) → ${grantResponse.status}; GET ${originOf(grant.url)} → ${response.status}, ${body.size} bytes`,
    );
    return { grantStatus: grantResponse.status, status: response.status, ...body };
  },

  /** `GET /files/{key}` with the token, the browser following the 307 to S3 by itself. */
  async downloadRedirect(config) {
    const response = await fetch(`${config.api}${filePath(config.key)}`, {
      headers: bearer(config),
      redirect: "follow",
      cache: "no-store",
    });
    const body = await contents(response);
    log(
      response.ok,
      `GET ${filePath(config.key)} → 307 followed to ${originOf(response.url)} → ${response.status}, ${body.size} bytes`,
    );
    return {
      status: response.status,
      redirected: response.redirected,
      origin: originOf(response.url),
      ...body,
    };
  },

  /** `DELETE /files/{key}`: in the JSON form, or following the 307 (`via: "redirect"`). */
  async remove(config) {
    const url = `${config.api}${filePath(config.key)}`;
    if (config.via === "redirect") {
      const response = await fetch(url, {
        method: "DELETE",
        headers: bearer(config),
        redirect: "follow",
      });
      log(
        response.ok,
        `DELETE ${filePath(config.key)} → 307 followed to ${originOf(response.url)} → ${response.status}`,
      );
      return {
        status: response.status,
        redirected: response.redirected,
        origin: originOf(response.url),
      };
    }
    const grantResponse = await fetch(url, {
      method: "DELETE",
      headers: { ...bearer(config), Accept: "application/json" },
    });
    const grant = await answered(grantResponse);
    const response = await fetch(grant.url, { method: grant.method, headers: grant.headers });
    log(
      response.ok,
      `DELETE ${filePath(config.key)} (JSON) → ${grantResponse.status}; ${grant.method} ${originOf(grant.url)} → ${response.status}`,
    );
    return {
      grantStatus: grantResponse.status,
      status: response.status,
      origin: originOf(grant.url),
    };
  },

  /** `GET /files/{key}` in the JSON form, without following anything: its status and error code. */
  async lookup(config) {
    const response = await fetch(`${config.api}${filePath(config.key)}`, {
      headers: { ...bearer(config), Accept: "application/json" },
    });
    const body = await response.json();
    log(true, `GET ${filePath(config.key)} (JSON) → ${response.status}`);
    return { status: response.status, code: body.error?.code ?? null };
  },

  /** A request with a bad token: what the page can read of the refusal. */
  async badToken(config) {
    const response = await fetch(`${config.api}/files`, {
      headers: { Authorization: "Bearer not.a.token" },
    });
    const text = await response.text();
    let json = true;
    try {
      JSON.parse(text);
    } catch {
      json = false;
    }
    const wwwAuthenticate = response.headers.get("WWW-Authenticate");
    log(response.status === 401, `GET /files (bad token) → ${response.status}, ${wwwAuthenticate}`);
    return {
      status: response.status,
      wwwAuthenticate,
      contentType: response.headers.get("Content-Type"),
      json,
    };
  },

  /** `GET /files` with no token at all: a simple request, no preflight. */
  async anonymous(config) {
    const response = await fetch(`${config.api}/files`);
    log(true, `GET /files (no token) → ${response.status}`);
    return { status: response.status, wwwAuthenticate: response.headers.get("WWW-Authenticate") };
  },

  /** A presigned request handed to the page as is (`url`, `method`, `headers`), with `text` as body. */
  async presigned(config) {
    const response = await fetch(config.url, {
      method: config.method,
      headers: config.headers,
      body: config.text === undefined ? undefined : new Blob([config.text]),
    });
    log(response.ok, `${config.method} ${originOf(config.url)} → ${response.status}`);
    return { status: response.status, etag: response.headers.get("ETag") };
  },
};

globalThis.filegate = {
  async run(name, config) {
    running = config.token ? `${name} [${tenantOf(config.token)}]` : name;
    try {
      return { ok: true, value: await flows[name](config) };
    } catch (error) {
      log(false, `${error.name}: ${error.message}`);
      return { ok: false, error: { name: error.name, message: error.message } };
    }
  },
};
