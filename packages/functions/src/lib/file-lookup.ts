import { FileLookup } from "@filegate/core/files";
import { Resource } from "sst";
import { dynamo } from "./dynamo";

/** Lookups of single files in the index (the ownership checks); built once per container. */
export const fileLookup = new FileLookup({ client: dynamo, tableName: Resource.FileIndex.name });
