// The page of tests/browser/uppy.test.ts: Uppy 6 with its Dashboard and the Filegate uploader,
// bundled by esbuild. The API's URL and the token come in the query string.
import { Filegate } from "@filegate/uppy";
import Uppy, { type UppyFile } from "@uppy/core";
import Dashboard from "@uppy/dashboard";

type File = UppyFile<Record<string, unknown>, Record<string, never>>;

const params = new URLSearchParams(location.search);
const events: { event: string; name?: string; detail?: unknown }[] = [];
const uppy = new Uppy({ debug: false })
  .use(Dashboard, {
    inline: true,
    target: "#app",
    height: 420,
    proudlyDisplayPoweredByUppy: false,
  })
  .use(Filegate, {
    baseUrl: params.get("api") ?? "",
    getToken: () => params.get("token") ?? "",
    prefix: "uppy/",
    multipartFrom: 16 * 1024 * 1024,
    partSize: 5 * 1024 * 1024,
    partConcurrency: 2,
    retryDelays: [0, 200],
  });
const record = (event: string, file?: File, detail?: unknown) =>
  events.push({ event, ...(file?.name ? { name: file.name } : {}), detail });
uppy.on("upload-success", (file, response) => record("success", file, response.body));
uppy.on("upload-error", (file, error) => record("error", file, error.message));
uppy.on("restriction-failed", (file, error) => record("restricted", file, error.message));
uppy.on("file-removed", (file) => record("removed", file));
uppy.on("upload-progress", (file, progress) => record("progress", file, progress.bytesUploaded));

const plugin = uppy.getPlugin("Filegate") as unknown as Filegate<
  Record<string, unknown>,
  Record<string, never>
>;
Object.assign(globalThis, {
  harness: {
    uppy,
    events,
    limits: () => plugin.applyLimits().then(() => uppy.opts.restrictions),
    files: () =>
      uppy.getFiles().map((file) => ({
        id: file.id,
        name: file.name,
        meta: file.meta,
        progress: file.progress,
        isPaused: file.isPaused ?? false,
        error: file.error ?? null,
      })),
    stored: () =>
      Object.keys(localStorage)
        .filter((name) => name.startsWith("filegate-uppy:"))
        .map((name) => JSON.parse(localStorage.getItem(name) ?? "null")),
  },
});
