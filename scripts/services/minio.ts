// Placeholder until the MinIO service lands (written on another branch): `services:up` skips MinIO with a warning.
import type { Log } from './service-kit';

export async function startMinio(log: Log): Promise<{ endpoint: string; accessKey: string; secretKey: string; bucket: string; storageUrl: string; stop(): Promise<void> }> {
  void log;
  throw new Error('MinIO is not wired yet');
}

export async function stopMinio(log: Log): Promise<void> {
  void log;
}
