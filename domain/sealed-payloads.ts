// What a payload that was not sealed with a district key becomes once decoded: a marker the workflows refuse
// (workflows/sealed-messages.ts). The payload codec (infra/keys/payload-codec.ts) seals every payload the
// server, the CLI and the worker send; anything else came around them, straight to Temporal.

/** The marker's one key; its value names the encoding the payload arrived in. */
export const UNSEALED = '$unsealedPayload';

export interface UnsealedMarker {
  [UNSEALED]: string;
}

export const isUnsealed = (value: unknown): value is UnsealedMarker =>
  typeof value === 'object' && value !== null && UNSEALED in value;

/** The failure type of that refusal: the one failure left unencrypted, so Temporal's own CLI shows its words. */
export const UNSEALED_REFUSAL = 'UnsealedPayload';
