// Temporal payloads, memos and failure messages are encrypted before they leave the process, so Temporal's
// database holds no student data and no person's name or email in clear. One data converter serves the
// worker and every client.
import crypto from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Keyring } from './keys';
import { siblingModule } from '../project-root';

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
      if (!payload.metadata || td.decode(payload.metadata.encoding) !== ENCODING) return payload;
      const kid = td.decode(payload.metadata['encryption-key-id']);
      const key = this.keyring.get('payload', kid);
      if (!key) throw new Error(`payload key ${kid} is not in the keyring`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.length - 16));
      const plain = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

export function createDataConverter(keyring: Keyring): DataConverter {
  return {
    payloadCodecs: [new AesGcmPayloadCodec(keyring)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
