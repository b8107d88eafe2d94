import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { FileIndex } from "@filegate/core/files";
import { Resource } from "sst";
import { settings } from "./settings";

/** The index of files, on the linked table; built once per container. */
export const fileIndex = new FileIndex({
  client: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  }),
  tableName: Resource.FileIndex.name,
  tombstoneTtlSeconds: settings.tombstoneTtlSeconds,
});
