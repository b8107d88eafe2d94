/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    return {
      name: "filegate",
      home: "aws",
      // Production keeps its bucket and table when the stage is removed.
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
    };
  },
  async run() {
    $transform(sst.aws.Function, (args) => {
      args.architecture ??= "arm64";
      args.memory ??= "512 MB";
    });
    // First: the IAM rules every function and link created after it follows.
    await import("./infra/iam");
    const storage = await import("./infra/storage");
    await import("./infra/events");
    await import("./infra/webhooks");
    await import("./infra/jobs");
    await import("./infra/alarms");
    const { api } = await import("./infra/api");
    const { consoleSite } = await import("./infra/console");
    return {
      api: api.url,
      console: consoleSite.url,
      bucket: storage.bucket.name,
      table: storage.table.name,
    };
  },
});
