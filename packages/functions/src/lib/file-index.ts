import { FileIndex } from "@filegate/core/files";
import { Resource } from "sst";
import { dynamo } from "./dynamo";
import { keyring } from "./keyring";
import { settings } from "./settings";

/** The index of files, on the linked table; built once per container. */
export const fileIndex = new FileIndex({
  client: dynamo,
  tableName: Resource.FileIndex.name,
  tombstoneTtlSeconds: settings.tombstoneTtlSeconds,
  cursorKeys: keyring,
});
