// Temporal payloads, memos and failure messages are encrypted before they leave the process, so Temporal's
// database holds no student data and no person's name or email in clear. One data converter serves the
// worker and every client. The seal is also the proof of origin: only the server, the CLI and the worker hold
// the keyring, so a payload that arrives unsealed was sent around them (with `temporal workflow update`, say).
// It decodes to a marker (domain/sealed-payloads.ts) that the workflows refuse (workflows/sealed-messages.ts):
// throwing here instead would fail the workflow task, and a signal in the history would then fail every replay.
import crypto from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Keyring } from './keys';
import { siblingModule } from '../project-root';
import { UNSEALED } from '../../domain/sealed-payloads';

/** Loaded by path (the workflow sandbox needs it too). */
export const FAILURE_CONVERTER_PATH = siblingModule(__filename, 'failure-converter');

const ENCODING = 'binary/encrypted';
const te = new TextEncoder();
const td = new TextDecoder();

export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { kid, key } = this.keyring.current('payload');
    return payloads.map((payload) => {
      const nonce = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: te.encode(ENCODING), 'encryption-key-id': te.encode(kid) },
        data: new Uint8Array(data),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const metadata = payload.metadata ?? {};
      const encoding = metadata.encoding ? td.decode(metadata.encoding) : '';
      if (encoding !== ENCODING) return unsealedMarker(encoding);
      const kid = metadata['encryption-key-id'] ? td.decode(metadata['encryption-key-id']) : '';
      const key = this.keyring.get('payload', kid);
      // A key this process lacks is a setup to fix (another KEYS_DIR, a keyring not shared): the task fails and is
      // retried until a process with the key takes it, rather than the case refusing its own messages.
      if (!key) throw new Error(`payload key ${kid} is not in the keyring`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      let plain: Buffer;
      try {
        const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
        decipher.setAuthTag(data.subarray(data.length - 16));
        plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      } catch {
        // Under a key we hold, what does not open was not sealed by us: a forgery, refused like a bare payload.
        return unsealedMarker(`${ENCODING} that does not open`);
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The JSON payload a payload that was not sealed decodes to. */
function unsealedMarker(encoding: string): Payload {
  return {
    metadata: { encoding: te.encode('json/plain') },
    data: te.encode(JSON.stringify({ [UNSEALED]: encoding.slice(0, 60) || 'none' })),
  };
}

export function createDataConverter(keyring: Keyring): DataConverter {
  return {
    payloadCodecs: [new AesGcmPayloadCodec(keyring)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
