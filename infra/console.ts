import { api } from "./api";

/** Cached for good: the bundles are named by their content's hash. */
const IMMUTABLE = "max-age=31536000,public,immutable";
/** Asked again each time: the page and the API's address change with a deploy. */
const REVALIDATE = "max-age=0,no-cache,no-store,must-revalidate";

/**
 * The web console: a static site on S3 behind CloudFront, on an origin of its own. Its build
 * (`packages/console/build.ts`) writes `dist/` with a `config.json` naming the API, whose URL
 * it is given in `FILEGATE_API_URL`.
 */
export const consoleSite = new sst.aws.StaticSite("Console", {
  path: "packages/console",
  build: { command: "node --import tsx build.ts", output: "dist" },
  environment: { FILEGATE_API_URL: api.url },
  assets: {
    fileOptions: [
      { files: "**", cacheControl: IMMUTABLE },
      { files: ["**/*.html", "config.json"], cacheControl: REVALIDATE },
    ],
  },
});
