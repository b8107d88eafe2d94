import type {
  AuditRecord as ClientAuditRecord,
  FileInfo as ClientFileInfo,
  PresignedRequest as ClientPresignedRequest,
  Usage as ClientUsage,
  PartGrant,
  UploadIntent,
  UploadStatus,
} from "@filegate/client";
import type { Standing } from "@filegate/core/accounts";
import type { AuditRecord, GrantConditions } from "@filegate/core/audit";
import type { FileView } from "@filegate/core/files";
import type { PresignedRequest } from "@filegate/core/storage";
import type { IntentCreated, IntentView, PartUrl } from "@filegate/core/uploads";
import { describe, expectTypeOf, it } from "vitest";

/**
 * `@filegate/client` mirrors the API's JSON instead of importing the server's types (it
 * depends on no server package). These checks run in `npm test`'s type-check: a field the
 * server adds or renames that the client does not know fails the build, not a user.
 */
describe("the client's types against the API's", () => {
  it("an audit record has the same fields, and every record the API sends fits", () => {
    expectTypeOf<keyof ClientAuditRecord>().toEqualTypeOf<keyof AuditRecord>();
    expectTypeOf<AuditRecord>().toExtend<ClientAuditRecord>();
    type ClientConditions = NonNullable<ClientAuditRecord["conditions"]>;
    expectTypeOf<keyof ClientConditions>().toEqualTypeOf<keyof GrantConditions>();
  });

  it("a listed file is the index's view of it", () => {
    expectTypeOf<keyof ClientFileInfo>().toEqualTypeOf<keyof FileView>();
    expectTypeOf<FileView>().toExtend<ClientFileInfo>();
  });

  it("usage is the tenant's standing, with its id", () => {
    type UsageAnswer = Standing & { tenant: string };
    expectTypeOf<keyof ClientUsage>().toEqualTypeOf<keyof UsageAnswer>();
    expectTypeOf<UsageAnswer>().toExtend<ClientUsage>();
  });

  it("upload intents, their parts and their status are what the upload routes answer", () => {
    expectTypeOf<keyof ClientPresignedRequest>().toEqualTypeOf<keyof PresignedRequest>();
    expectTypeOf<PresignedRequest>().toExtend<ClientPresignedRequest>();
    expectTypeOf<keyof PartGrant>().toEqualTypeOf<keyof PartUrl>();
    expectTypeOf<PartUrl>().toExtend<PartGrant>();
    expectTypeOf<IntentCreated>().toExtend<UploadIntent>();
    type Single<T> = Extract<T, { method: "single" }>;
    type Multipart<T> = Extract<T, { method: "multipart" }>;
    expectTypeOf<keyof Single<UploadIntent>>().toEqualTypeOf<keyof Single<IntentCreated>>();
    expectTypeOf<keyof Multipart<UploadIntent>>().toEqualTypeOf<keyof Multipart<IntentCreated>>();
    expectTypeOf<keyof UploadStatus>().toEqualTypeOf<keyof IntentView>();
    expectTypeOf<IntentView>().toExtend<UploadStatus>();
  });
});
