import type { Standing, TenantLimits } from "@filegate/core/accounts";
import type { AuditPage, AuditRecord } from "@filegate/core/audit";
import type { FileView, ListPage } from "@filegate/core/files";
import type { PresignedRequest, StoredPart } from "@filegate/core/storage";
import type { CompletedUpload, IntentCreated, IntentView, PartUrl } from "@filegate/core/uploads";
import { describe, expectTypeOf, it } from "vitest";
import type * as z from "zod/mini";
import type * as S from "../packages/functions/src/openapi/schemas";

/**
 * The OpenAPI document's answer schemas have the types the handlers return: a field added to
 * a core type and not to its schema (or the other way round) fails the type check.
 */
type Out<T extends z.ZodMiniType> = z.infer<T>;

describe("the OpenAPI answer schemas", () => {
  it("describe exactly what the handlers answer", () => {
    expectTypeOf<Out<typeof S.PresignedRequestSchema>>().toEqualTypeOf<PresignedRequest>();
    expectTypeOf<Out<typeof S.FileViewSchema>>().toEqualTypeOf<FileView>();
    expectTypeOf<Out<typeof S.FilePageSchema>>().toEqualTypeOf<ListPage>();
    expectTypeOf<Out<typeof S.AuditRecordSchema>>().toEqualTypeOf<AuditRecord>();
    expectTypeOf<Out<typeof S.AuditPageSchema>>().toEqualTypeOf<AuditPage>();
    expectTypeOf<Out<typeof S.PartUrlSchema>>().toEqualTypeOf<PartUrl>();
    expectTypeOf<Out<typeof S.StoredPartSchema>>().toEqualTypeOf<StoredPart>();
    // Unions and intersections: the same values both ways.
    expectTypeOf<Out<typeof S.IntentCreatedSchema>>().toExtend<IntentCreated>();
    expectTypeOf<IntentCreated>().toExtend<Out<typeof S.IntentCreatedSchema>>();
    expectTypeOf<Out<typeof S.IntentViewSchema>>().toEqualTypeOf<IntentView>();
    expectTypeOf<Out<typeof S.CompletedUploadSchema>>().toEqualTypeOf<CompletedUpload>();
    expectTypeOf<Out<typeof S.TenantLimitsSchema>>().toEqualTypeOf<TenantLimits>();
    expectTypeOf<Out<typeof S.UsageSchema>>().toExtend<Standing & { tenant: string }>();
    expectTypeOf<Standing & { tenant: string }>().toExtend<Out<typeof S.UsageSchema>>();
  });
});
