import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { createPresigner } from "@filegate/core/storage";
import { Resource } from "sst";
import { settings } from "./settings";

/** Presigns requests on the linked bucket with the function's own credentials. */
export const presigner = createPresigner({
  bucket: Resource.FileBucket.name,
  region: process.env.AWS_REGION ?? "us-east-1",
  credentials: defaultProvider(),
  expiresIn: settings.presignExpiresSeconds,
  endpoint: process.env.AWS_ENDPOINT_URL_S3,
});
