// oidc-provider (the OpenID provider tests/oidc.test.ts signs in against) ships no types.
declare module 'oidc-provider';
