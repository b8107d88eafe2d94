import { s3ObjectStorage } from "@filegate/core/storage";
import { Resource } from "sst";
import { s3 } from "./s3";

/** The S3 calls beyond presigned requests (multipart uploads), on the file bucket. */
export const storage = s3ObjectStorage(s3, Resource.FileBucket.name);
