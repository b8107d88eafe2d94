import type { FileItem } from "../table";

/**
 * How a file's change moves its tenant's usage: bytes and objects counted while present
 * (a quarantined object is not the tenant's file).
 */
export function usageChange(item: FileItem): { bytes: number; objects: number } {
  const before =
    item.prevState === "present"
      ? { bytes: item.prevSize ?? 0, objects: 1 }
      : { bytes: 0, objects: 0 };
  const after =
    item.state === "present" ? { bytes: item.size ?? 0, objects: 1 } : { bytes: 0, objects: 0 };
  return { bytes: after.bytes - before.bytes, objects: after.objects - before.objects };
}
