export { aws, fromAwsError, isConditionFailed } from "./aws";
export { asFilegateError, Errors } from "./catalogue";
export { ERROR_STATUS, type ErrorCode } from "./codes";
export {
  type ErrorBody,
  type ErrorOptions,
  FilegateError,
  isFilegateError,
  type RenderedError,
} from "./error";
