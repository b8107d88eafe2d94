/** What each flow of the test page (`page/flows.js`) resolves with. */

/** What every flow that calls the API needs. */
export interface ApiConfig {
  api: string;
  token: string;
}

export interface Listing {
  status: number;
  keys: string[];
  items: { key: string; size: number; contentType: string }[];
}

export interface Listed {
  status: number;
  listed: boolean;
  attempts: number;
  ms: number;
}

export interface JsonPut {
  grantStatus: number;
  grant: { method: string; headers: Record<string, string>; origin: string };
  status: number;
  etag: string | null;
}

export interface IntentUpload {
  intentStatus: number;
  method: string;
  sha256: string;
  headers: Record<string, string>;
  signedHeaders: string | null;
  status: number;
  upload: string;
}

export interface MultipartUpload {
  intentStatus: number;
  method: string;
  partSize: number;
  partCount: number;
  parts: { partNumber: number; status: number; etag: string | null }[];
  mostInFlight: number;
  completeStatus: number;
  completed: { id: string; key: string; size: number; etag: string };
  upload: string;
  size: number;
  sha256: string;
}

/** A downloaded body: size, SHA-256 (hex) and, up to 4 KiB, its text. */
export interface Contents {
  size: number;
  sha256: string;
  text: string | null;
}

export interface JsonDownload extends Contents {
  grantStatus: number;
  status: number;
}

export interface RedirectDownload extends Contents {
  status: number;
  redirected: boolean;
  origin: string;
}

export interface Removal {
  grantStatus?: number;
  status: number;
  redirected?: boolean;
  origin: string;
}

export interface Lookup {
  status: number;
  code: string | null;
}

export interface Refusal {
  status: number;
  wwwAuthenticate: string | null;
  contentType: string | null;
  json: boolean;
}

export interface PresignedAnswer {
  status: number;
  etag: string | null;
}
