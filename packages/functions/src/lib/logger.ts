import { Logger } from "@aws-lambda-powertools/logger";

/** The structured JSON logger every handler shares. */
export const logger = new Logger({ serviceName: "filegate" });
