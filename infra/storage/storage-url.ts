// STORAGE_URL: where case files go when not on the local disk. s3://BUCKET[/PREFIX]?endpoint=URL&region=R&forcePathStyle=true
// The secret stays out of the URL (URLs end up in logs and process listings): it comes from the AWS_* variables.
export class StorageUrlError extends Error {
  override name = 'StorageUrlError';
}

export interface S3Location {
  bucket: string;
  /** Object keys start with this and a slash; '' for none. */
  prefix: string;
  /** The S3-compatible service's origin; absent for AWS itself. */
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  /** Absent: the AWS SDK's own chain (instance role, profile) finds them. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

const FORM = 's3://BUCKET[/PREFIX]?endpoint=http://host:port&region=us-east-1&forcePathStyle=true';
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PARAMETERS = new Set(['endpoint', 'region', 'forcePathStyle']);

export function parseStorageUrl(text: string, env: NodeJS.ProcessEnv = process.env): S3Location {
  // A user:password@ in the URL or its endpoint is refused, and not repeated in the message that says so.
  const shown = text.replace(/\/\/[^/?#@]*@/g, '//…@');
  const bad = (why: string): StorageUrlError =>
    new StorageUrlError(`STORAGE_URL="${shown}" ${why}; the form is ${FORM}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('is not a URL');
  }
  if (url.protocol !== 's3:') throw bad('does not start with s3://');
  if (url.username || url.password)
    throw bad('holds credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead');
  if (!BUCKET.test(url.hostname))
    throw bad(
      `names the bucket "${url.hostname}", which is not a valid bucket name (3 to 63 of a-z, 0-9, "." and "-")`,
    );
  let prefix: string;
  try {
    prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  } catch {
    throw bad(`has the prefix "${url.pathname}", which is not valid percent-encoding`);
  }
  if (prefix !== '' && prefix.split('/').some((part) => part === '' || part === '.' || part === '..'))
    throw bad(`has the prefix "${prefix}", with an empty, "." or ".." part`);
  for (const name of url.searchParams.keys()) {
    if (!PARAMETERS.has(name)) throw bad(`has the parameter "${name}", which is none of ${[...PARAMETERS].join(', ')}`);
  }

  const endpointText = url.searchParams.get('endpoint');
  let endpoint: string | undefined;
  if (endpointText !== null) {
    let parsed: URL;
    try {
      parsed = new URL(endpointText);
    } catch {
      throw bad(`has endpoint="${endpointText}", which is not a URL such as http://host:port`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw bad(`has endpoint="${endpointText}", which is neither http:// nor https://`);
    if (parsed.username || parsed.password)
      throw bad('holds credentials in its endpoint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead');
    if (parsed.pathname !== '/' || parsed.search)
      throw bad(`has endpoint="${endpointText}" with a path or query: give only its scheme, host and port`);
    endpoint = parsed.origin;
  }
  const pathStyle = url.searchParams.get('forcePathStyle');
  if (pathStyle !== null && pathStyle !== 'true' && pathStyle !== 'false')
    throw bad(`has forcePathStyle="${pathStyle}"; it is true or false`);
  const region = url.searchParams.get('region') || 'us-east-1';

  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId !== !secretAccessKey) {
    throw new StorageUrlError(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together for STORAGE_URL: set both, or neither',
    );
  }
  return {
    bucket: url.hostname,
    prefix,
    ...(endpoint ? { endpoint } : {}),
    region,
    forcePathStyle: pathStyle === 'true',
    ...(accessKeyId && secretAccessKey
      ? {
          credentials: {
            accessKeyId,
            secretAccessKey,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  };
}

/** Where the storage is, for messages a person reads: never the credentials. */
export function describeLocation(location: S3Location): string {
  return location.endpoint ?? `https://s3.${location.region}.amazonaws.com`;
}
