import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { TenantAccounts } from "../accounts";
import { parseKeyring } from "../attest";
import { AuditLog } from "../audit";
import type { Settings } from "../config";
import { EventCommitter } from "../events";
import { FileIndex } from "../files";
import { UploadIntents, UploadVerifier } from "../uploads";

/** Every repository of the index table, with the verifier built on them. */
export interface Store {
  files: FileIndex;
  audit: AuditLog;
  accounts: TenantAccounts;
  intents: UploadIntents;
  verifier: UploadVerifier;
  /** The table side of event ingestion. */
  commits: EventCommitter;
}

/**
 * The repositories of one table, configured from settings (for tools and tests that need
 * them all; each Lambda builds only the ones it uses).
 *
 * @example const { files, audit } = openStore({ client, tableName, settings: loadSettings(process.env) })
 */
export function openStore(options: {
  client: DynamoDBDocumentClient;
  tableName: string;
  settings: Pick<
    Settings,
    "tombstoneTtlSeconds" | "auditRetentionSeconds" | "defaultLimits" | "attestationKeys"
  >;
}): Store {
  const { client, tableName, settings } = options;
  const keyring = parseKeyring(settings.attestationKeys);
  const files = new FileIndex({
    client,
    tableName,
    tombstoneTtlSeconds: settings.tombstoneTtlSeconds,
    cursorKeys: keyring,
  });
  const audit = new AuditLog({
    client,
    tableName,
    retentionSeconds: settings.auditRetentionSeconds,
    cursorKeys: keyring,
  });
  const accounts = new TenantAccounts({ client, tableName, defaults: settings.defaultLimits });
  const intents = new UploadIntents({
    client,
    tableName,
    retentionSeconds: settings.auditRetentionSeconds,
  });
  const verifier = new UploadVerifier({ keyring, accounts });
  const commits = new EventCommitter({
    client,
    tableName,
    journal: audit,
    accounts,
    tombstoneTtlSeconds: settings.tombstoneTtlSeconds,
  });
  return { files, audit, accounts, intents, verifier, commits };
}
