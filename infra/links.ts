import type { LinkName } from "../packages/functions/src/routes";
import { bucket, table } from "./storage";

/** The resources functions may be linked to, by the names the route table uses. */
export const links: Record<LinkName, sst.aws.Bucket | sst.aws.Dynamo> = {
  FileBucket: bucket,
  FileIndex: table,
};
