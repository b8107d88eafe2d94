/**
 * Floor of the upload routes: one GetItem, and an S3 client for the multipart calls they may
 * make (CreateMultipartUpload, CompleteMultipartUpload, AbortMultipartUpload).
 */
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { APIGatewayProxyEventV2WithJWTAuthorizer as Event } from "aws-lambda";
import { lookup } from "./parts/dynamo";

const s3 = new S3Client({});

export const handler = async (event: Event) => {
  const tenant = String(event.requestContext.authorizer.jwt.claims.tenant);
  const item = await lookup(tenant, event.pathParameters?.id ?? "upload");
  // Referenced so that the bundle keeps the client, as an upload route's does.
  if (item) await s3.send(new HeadBucketCommand({ Bucket: process.env.BUCKET_NAME ?? "" }));
  return {
    statusCode: event.requestContext.http.method === "POST" && !event.pathParameters ? 201 : 404,
  };
};
